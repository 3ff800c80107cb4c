// A worker's connections to one upstream: keep-alive connections waiting for reuse,
// and new connections made round robin over the servers, skipping for a cool-down a
// server that failed to connect. Used from one thread only: no locks.
#pragma once

#include "gateway/config/model.hpp"
#include "gateway/observability/stats.hpp"
#include "gateway/proxy/upstream_connection.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace tg::proxy {

struct AcquireResult {
    enum class Failure { none, unreachable, timeout, tls };
    std::unique_ptr<UpstreamConnection> connection;
    bool reused = false;
    Failure failure = Failure::none;
    boost::system::error_code error;
};

// The Host header for a server: "host[:port]", IPv6 in brackets, default port omitted.
std::string host_header(const config::UpstreamServer& server);

class UpstreamPool {
public:
    UpstreamPool(config::Upstream upstream, std::shared_ptr<boost::asio::ssl::context> tls_context,
                 observability::UpstreamStats& stats);
    ~UpstreamPool();

    // A pooled connection when `allow_reuse` and one is alive, else a new one.
    boost::asio::awaitable<AcquireResult> acquire(bool allow_reuse);
    // A pooled connection if one is alive (no connection otherwise), without suspending.
    AcquireResult acquire_pooled();

    // Every acquired connection comes back through one of these two: `release` when its
    // last exchange completed cleanly (it may be pooled), `discard` otherwise.
    void release(std::unique_ptr<UpstreamConnection> connection);
    void discard(std::unique_ptr<UpstreamConnection> connection);

    const config::Upstream& upstream() const { return upstream_; }
    // The Host header for requests to one of its servers (computed once).
    const std::string& host_header(std::size_t server_index) const { return host_headers_[server_index]; }

private:
    using clock = std::chrono::steady_clock;

    std::unique_ptr<UpstreamConnection> take_idle();
    std::size_t next_server();
    boost::asio::awaitable<AcquireResult> connect(std::size_t server_index, clock::time_point deadline);

    config::Upstream upstream_;
    std::shared_ptr<boost::asio::ssl::context> tls_context_;
    std::vector<std::unique_ptr<UpstreamConnection>> idle_;  // most recently used last
    std::vector<clock::time_point> cooldown_until_;
    std::vector<std::string> host_headers_;  // by server index
    std::size_t round_robin_ = 0;
    observability::UpstreamStats& stats_;
};

}  // namespace tg::proxy
