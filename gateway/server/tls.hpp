// OpenSSL contexts: the server side of TLS listeners and the client side of HTTPS upstreams.
#pragma once

#include "gateway/config/model.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>

namespace tg::server {

// TLS 1.2+ (or 1.3 only), the configured TLS 1.2 cipher list, ALPN "http/1.1".
// Throws std::runtime_error naming the file on a bad certificate or key.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const config::TlsSettings& tls);

// TLS 1.2+, peer verification unless the upstream disables it, the upstream's CA
// file or else the system trust store. Host-name verification is per connection.
std::shared_ptr<boost::asio::ssl::context> make_upstream_tls_context(const config::Upstream& upstream);

}  // namespace tg::server
