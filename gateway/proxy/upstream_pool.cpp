#include "gateway/proxy/upstream_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>

namespace tg::proxy {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using namespace asio::experimental::awaitable_operators;

std::string host_header(const config::UpstreamServer& server) {
    const bool ipv6 = server.host.find(':') != std::string::npos;
    std::string host = ipv6 ? "[" + server.host + "]" : server.host;
    const bool default_port = server.port == (server.tls ? 443 : 80);
    if (!default_port) host += ":" + std::to_string(server.port);
    return host;
}

UpstreamPool::UpstreamPool(config::Upstream upstream, std::shared_ptr<ssl::context> tls_context,
                           observability::UpstreamStats& stats)
    : upstream_(std::move(upstream)),
      tls_context_(std::move(tls_context)),
      cooldown_until_(upstream_.servers.size()),
      stats_(stats) {
    for (const auto& server : upstream_.servers) host_headers_.push_back(proxy::host_header(server));
}

// A pool built only to check a reload (Worker::try_build, on another thread) is empty: it
// must not touch the worker's counters.
UpstreamPool::~UpstreamPool() {
    if (!idle_.empty()) stats_.idle.add(-static_cast<std::int64_t>(idle_.size()));
}

std::unique_ptr<UpstreamConnection> UpstreamPool::take_idle() {
    const auto now = clock::now();
    const auto oldest_allowed = now - upstream_.idle_timeout;
    // A connection back in the pool for less than this is not probed: under load that
    // saves a syscall per request, and a server closing a connection that fast is rare
    // (it says Connection: close instead). Should it happen, the retry rule covers it.
    constexpr auto probe_after = std::chrono::seconds(1);
    while (!idle_.empty()) {
        auto connection = std::move(idle_.back());
        idle_.pop_back();
        stats_.idle.add(-1);
        if (connection->idle_since < oldest_allowed) continue;
        if (now - connection->idle_since < probe_after || !connection->unusable_after_idle()) return connection;
    }
    return nullptr;
}

void UpstreamPool::release(std::unique_ptr<UpstreamConnection> connection) {
    // Drop connections that have idled past the timeout before counting. idle_ is in
    // release order, so they are at its front.
    const auto now = clock::now();
    const auto oldest_allowed = now - upstream_.idle_timeout;
    const auto kept = std::find_if(idle_.begin(), idle_.end(),
                                   [&](const auto& c) { return c->idle_since >= oldest_allowed; });
    if (kept != idle_.begin()) {
        stats_.idle.add(-static_cast<std::int64_t>(kept - idle_.begin()));
        idle_.erase(idle_.begin(), kept);
    }
    stats_.active.add(-1);
    if (idle_.size() >= upstream_.pool_size) return;  // closing it is cheaper than keeping it
    // Nothing of the last exchange stays with a pooled connection: no response fields,
    // and no header bytes that the next request would be sent after.
    connection->clear_response();
    connection->head.clear();
    connection->idle_since = now;
    idle_.push_back(std::move(connection));
    stats_.idle.add(1);
}

void UpstreamPool::discard(std::unique_ptr<UpstreamConnection> connection) {
    if (connection) stats_.active.add(-1);
}

std::size_t UpstreamPool::next_server() {
    const auto now = clock::now();
    const auto count = upstream_.servers.size();
    std::size_t soonest = round_robin_ % count;
    for (std::size_t step = 0; step < count; ++step) {
        const auto index = (round_robin_ + step) % count;
        if (cooldown_until_[index] <= now) {
            round_robin_ = index + 1;
            return index;
        }
        if (cooldown_until_[index] < cooldown_until_[soonest]) soonest = index;
    }
    // Every server is cooling down: try the one that recovers first rather than fail untried.
    round_robin_ = soonest + 1;
    return soonest;
}

AcquireResult UpstreamPool::acquire_pooled() {
    AcquireResult reused;
    if (auto connection = take_idle()) {
        stats_.reused.add();
        stats_.active.add(1);
        reused.connection = std::move(connection);
        reused.reused = true;
    }
    return reused;
}

asio::awaitable<AcquireResult> UpstreamPool::acquire(bool allow_reuse) {
    if (allow_reuse) {
        auto reused = acquire_pooled();
        if (reused.connection) co_return reused;
    }
    const auto deadline = clock::now() + upstream_.connect_timeout;
    AcquireResult result;
    // Each server gets at most one attempt per request, all within the connect timeout.
    for (std::size_t attempt = 0; attempt < upstream_.servers.size() && clock::now() < deadline; ++attempt) {
        const auto server = next_server();
        result = co_await connect(server, deadline);
        if (result.connection) {
            stats_.opened.add();
            stats_.active.add(1);
            co_return std::move(result);
        }
        stats_.failed.add();
        if (result.failure != AcquireResult::Failure::tls) {
            cooldown_until_[server] = clock::now() + upstream_.cooldown;
        }
    }
    if (result.failure == AcquireResult::Failure::none) result.failure = AcquireResult::Failure::timeout;
    co_return std::move(result);
}

asio::awaitable<AcquireResult> UpstreamPool::connect(std::size_t server_index, clock::time_point deadline) {
    const auto& server = upstream_.servers[server_index];
    auto executor = co_await asio::this_coro::executor;
    beast::tcp_stream tcp_stream(executor);
    tcp_stream.expires_at(deadline);

    AcquireResult result;
    auto fail = [&](AcquireResult::Failure failure, boost::system::error_code ec) {
        result.failure = ec == beast::error::timeout ? AcquireResult::Failure::timeout : failure;
        result.error = ec;
        return std::move(result);
    };

    boost::system::error_code ec;
    const auto address = asio::ip::make_address(server.host, ec);
    const bool host_is_ip = !ec;
    if (host_is_ip) {
        std::tie(ec) = co_await tcp_stream.async_connect(tcp::endpoint(address, server.port), use_tuple);
    } else {
        // Asio resolves on a background thread that ignores the stream's deadline: race it.
        tcp::resolver resolver(executor);
        asio::steady_timer deadline_timer(executor, deadline);
        auto resolved = co_await (resolver.async_resolve(server.host, std::to_string(server.port), use_tuple) ||
                                  deadline_timer.async_wait(use_tuple));
        if (resolved.index() == 1) co_return fail(AcquireResult::Failure::timeout, beast::error::timeout);
        auto [resolve_ec, endpoints] = std::get<0>(std::move(resolved));
        if (resolve_ec) co_return fail(AcquireResult::Failure::unreachable, resolve_ec);
        std::tie(ec, std::ignore) = co_await tcp_stream.async_connect(endpoints, use_tuple);
    }
    if (ec) co_return fail(AcquireResult::Failure::unreachable, ec);
    tcp_stream.socket().set_option(tcp::no_delay(true), ec);

    TimedSocket socket(tcp_stream.release_socket());
    if (!server.tls) {
        result.connection = std::make_unique<UpstreamConnection>(std::move(socket), server_index);
        co_return std::move(result);
    }

    socket.expires_at(deadline);
    TlsStream tls_stream(std::move(socket), tls_context_->native_handle());
    const auto refuse_name = [&] {
        ::ERR_clear_error();
        return fail(AcquireResult::Failure::tls, make_error_code(boost::system::errc::invalid_argument));
    };
    // SNI carries host names, never IP literals (RFC 6066 section 3).
    if (!host_is_ip && !SSL_set_tlsext_host_name(tls_stream.native_handle(), server.host.c_str())) {
        co_return refuse_name();
    }
    if (upstream_.verify && !tls_stream.expect_peer(server.host, host_is_ip)) co_return refuse_name();
    ec = co_await tls_stream.handshake(TlsStream::Side::client);
    if (ec) co_return fail(AcquireResult::Failure::tls, ec);
    beast::get_lowest_layer(tls_stream).expires_never();
    result.connection = std::make_unique<UpstreamConnection>(std::move(tls_stream), server_index);
    co_return std::move(result);
}

}  // namespace tg::proxy
