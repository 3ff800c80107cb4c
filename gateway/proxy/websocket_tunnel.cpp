#include "gateway/proxy/websocket_tunnel.hpp"

#include "gateway/core/log.hpp"
#include "gateway/handlers/origin.hpp"
#include "gateway/proxy/bounded_read.hpp"
#include "gateway/proxy/header_writer.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <algorithm>
#include <array>
#include <functional>

namespace tg::proxy {
namespace {

using namespace asio::experimental::awaitable_operators;
using steady = std::chrono::steady_clock;
constexpr std::size_t upstream_answer_limit = 1024 * 1024;

// The last time a byte moved, and how to end the tunnel from anywhere in it.
struct Activity {
    steady::time_point last = steady::now();
    std::function<void()> close_all;
};

// Passes on the end of one direction: no more bytes this way, while the other way stays
// open until its own end. Over TLS an orderly end is close_notify first (TLS 1.3 lets the
// peer go on sending); a truncated one is not made to look orderly.
template <class Stream>
asio::awaitable<void> end_writing(Stream& stream, bool orderly) {
    if constexpr (!std::is_same_v<Stream, TimedSocket>) {
        if (orderly) co_await stream.send_close_notify();  // the watchdog bounds the wait
    }
    error_code ignored;
    beast::get_lowest_layer(stream).socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

// Copies bytes from one side to the other until the source ends. An end of the stream
// is passed on as a half-close (with close_notify only when it was orderly: a TLS stream
// cut short is not made to look complete); another error ends the whole tunnel.
template <class From, class To>
asio::awaitable<void> pump(From& from, beast::flat_buffer& pending, To& to, Activity& activity,
                           std::uint64_t& bytes) {
    if (pending.size() != 0) {  // bytes that arrived with the handshake
        auto [ec, n] = co_await asio::async_write(to, pending.data(), use_tuple);
        pending.consume(n);
        if (ec) {
            activity.close_all();
            co_return;
        }
    }
    std::array<char, 16 * 1024> piece;
    for (;;) {
        auto [read_ec, n] = co_await from.async_read_some(asio::buffer(piece), use_tuple);
        if (n != 0) {
            activity.last = steady::now();
            auto [write_ec, written] = co_await asio::async_write(to, asio::buffer(piece.data(), n), use_tuple);
            if (write_ec) {
                activity.close_all();
                co_return;
            }
            bytes += n;
        }
        if (read_ec == asio::error::eof || read_ec == asio::ssl::error::stream_truncated) {
            co_await end_writing(to, read_ec == asio::error::eof);
            co_return;
        }
        if (read_ec) {
            activity.close_all();
            co_return;
        }
    }
}

asio::awaitable<void> watchdog(Activity& activity, std::chrono::milliseconds idle_timeout) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        timer.expires_at(activity.last + idle_timeout);
        auto [ec] = co_await timer.async_wait(use_tuple);
        if (ec) co_return;  // the tunnel ended first
        if (steady::now() >= activity.last + idle_timeout) {
            activity.close_all();
            co_return;
        }
    }
}

bool origin_allowed(const config::WebSocketSettings& settings, std::string_view origin) {
    return settings.allowed_origins.empty() || handlers::is_listed_origin(settings.allowed_origins, origin);
}

template <class ClientStream, class UpstreamStream>
asio::awaitable<ProxyOutcome> tunnel_on(ClientStream& client, beast::flat_buffer& client_buffer, ProxyRequest& r,
                                        UpstreamConnection& connection, UpstreamStream& upstream) {
    const auto& upstream_config = r.pool.upstream();
    ProxyOutcome outcome;
    outcome.server = &upstream_config.servers[connection.server_index];

    const std::string_view upgrade_requested = r.parser.get()[http::field::upgrade];
    std::string request_head;
    write_upstream_request_head(r, r.pool.host_header(connection.server_index), request_head,
                                {{"Connection", "Upgrade"}, {"Upgrade", upgrade_requested}});
    connection.tcp().expires_after(upstream_config.response_timeout);
    auto [write_ec, written] = co_await asio::async_write(upstream, asio::buffer(request_head), use_tuple);
    if (write_ec) {
        outcome.error = &tg::errors::bad_gateway;
        co_return outcome;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(upstream_answer_limit);
    const auto read_ec = co_await read_bounded(upstream, connection.buffer, parser, FramingLimits{});
    if (read_ec) {
        log::warn("upstream ", upstream_config.name, ": no answer to a WebSocket upgrade: ", read_ec.message());
        outcome.error = read_ec == beast::error::timeout ? &tg::errors::upstream_timeout : &tg::errors::bad_gateway;
        co_return outcome;
    }
    auto& res = parser.get();
    const bool switched = res.result() == http::status::switching_protocols;
    HeaderRewrite fields(res, r.route.response_headers, r.config.secrets);
    fields.replace("X-Request-Id", r.forwarding.request_id);
    outcome.status = res.result_int();
    if (!switched) {
        // The upstream refused the upgrade: pass its answer on and end the connection.
        fields.apply_to(res);
        res.keep_alive(false);
        res.prepare_payload();
        beast::get_lowest_layer(client).expires_after(r.config.limits.idle_timeout);
        co_await http::async_write(client, res, use_tuple);
        outcome.bytes_out = res.body().size();
        co_return outcome;
    }
    fields.replace("Connection", "Upgrade");
    fields.replace("Upgrade", res[http::field::upgrade]);
    std::string response_head;
    write_response_head(res, fields, response_head);
    beast::get_lowest_layer(client).expires_after(r.config.limits.idle_timeout);
    std::tie(write_ec, written) = co_await asio::async_write(client, asio::buffer(response_head), use_tuple);
    if (write_ec) co_return outcome;

    beast::get_lowest_layer(client).expires_never();
    connection.tcp().expires_never();
    Activity activity;
    activity.close_all = [&] {
        error_code ignored;
        beast::get_lowest_layer(client).socket().close(ignored);
        connection.tcp().socket().close(ignored);
    };
    co_await ((pump(client, client_buffer, upstream, activity, outcome.bytes_in) &&
               pump(upstream, connection.buffer, client, activity, outcome.bytes_out)) ||
              watchdog(activity, r.route.websocket.idle_timeout));
    co_return outcome;
}

}  // namespace

bool is_websocket_upgrade(const http::request_header<>& request) {
    if (request.method() != http::verb::get || request.version() < 11) return false;
    const http::token_list connection(request[http::field::connection]);
    const bool upgrade_token = std::any_of(connection.begin(), connection.end(),
                                           [](auto token) { return beast::iequals(token, "upgrade"); });
    return upgrade_token && beast::iequals(request[http::field::upgrade], "websocket");
}

template <class ClientStream>
asio::awaitable<ProxyOutcome> tunnel_websocket(ClientStream& client, beast::flat_buffer& client_buffer,
                                               ProxyRequest& request) {
    auto& req = request.parser.get();
    if (!origin_allowed(request.route.websocket, req[http::field::origin])) {
        co_return ProxyOutcome{&errors::origin_not_allowed};
    }
    // A tunnel owns its connection for good: always a fresh one, never pooled after.
    auto acquired = co_await request.pool.acquire(false);
    if (!acquired.connection) {
        log::warn("upstream ", request.pool.upstream().name, ": cannot connect: ", acquired.error.message());
        co_return ProxyOutcome{&acquire_error(acquired)};
    }
    auto& connection = *acquired.connection;
    const auto outcome = co_await std::visit(
        [&](auto& upstream) { return tunnel_on(client, client_buffer, request, connection, upstream); },
        connection.stream);
    request.pool.discard(std::move(acquired.connection));
    co_return outcome;
}

template asio::awaitable<ProxyOutcome> tunnel_websocket(TimedSocket&, beast::flat_buffer&, ProxyRequest&);
template asio::awaitable<ProxyOutcome> tunnel_websocket(TlsSocket&, beast::flat_buffer&,
                                                        ProxyRequest&);

}  // namespace tg::proxy
