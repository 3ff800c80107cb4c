// OpenSSL contexts: the server side of TLS listeners and the client side of HTTPS upstreams.
#pragma once

#include "gateway/config/model.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <string_view>

namespace tg::server {

// TLS 1.2+ (or 1.3 only), the configured TLS 1.2 cipher list, ALPN "http/1.1", the
// default certificate, and the further certificates chosen by SNI (a table the context
// owns: a connection keeps what it started with through a reload).
// Throws std::runtime_error naming the file on a bad certificate or key.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const config::TlsSettings& tls);

// Whether a certificate for `pattern` ("portal.example.com", "*.example.com") serves
// the SNI name `name` (already lower case): a wildcard covers exactly one label.
bool server_name_matches(std::string_view pattern, std::string_view name);

// A TLS listener's current context: new connections take it; a reload replaces it.
class TlsContextSlot {
public:
    explicit TlsContextSlot(std::shared_ptr<boost::asio::ssl::context> context) : context_(std::move(context)) {}
    std::shared_ptr<boost::asio::ssl::context> current() const {
        std::lock_guard lock(mutex_);
        return context_;
    }
    void replace(std::shared_ptr<boost::asio::ssl::context> context) {
        std::lock_guard lock(mutex_);
        context_.swap(context);  // the old one goes with `context`, after the lock is released
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<boost::asio::ssl::context> context_;
};

// TLS 1.2+, peer verification unless the upstream disables it, the upstream's CA
// file or else the system trust store. Host-name verification is per connection.
std::shared_ptr<boost::asio::ssl::context> make_upstream_tls_context(const config::Upstream& upstream);

}  // namespace tg::server
