#include "gateway/client/outbound.hpp"

#include "gateway/core/log.hpp"
#include "gateway/proxy/bounded_read.hpp"
#include "gateway/proxy/exchange.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace tg::client {
namespace {

struct Exchange {
    CallResult result;
    bool retry = false;
    bool reusable = false;
};

template <class Stream>
asio::awaitable<Exchange> exchange_on(Stream& stream, proxy::UpstreamConnection& connection,
                                      const config::Upstream& upstream, http::request<http::string_body>& request,
                                      const CallOptions& options, bool reused) {
    Exchange exchange;
    auto& result = exchange.result;
    connection.tcp().expires_after(upstream.response_timeout);
    auto [write_ec, written] = co_await http::async_write(stream, request, use_tuple);
    if (write_ec) {
        exchange.retry = reused;  // nothing was answered; the server never read it whole
        result.outcome = write_ec == beast::error::timeout ? CallResult::Outcome::timeout : CallResult::Outcome::broken;
        co_return exchange;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.body_limit);
    if (request.method() == http::verb::head) parser.skip(true);
    const auto read_ec = co_await proxy::read_bounded(stream, connection.buffer, parser, proxy::FramingLimits{});
    if (read_ec) {
        exchange.retry = reused && options.safe_to_repeat && proxy::is_connection_lost(read_ec) && !parser.got_some();
        result.outcome = read_ec == beast::error::timeout ? CallResult::Outcome::timeout : CallResult::Outcome::broken;
        co_return exchange;
    }
    result.outcome = CallResult::Outcome::ok;
    exchange.reusable = parser.keep_alive();
    result.response = parser.release();
    co_return exchange;
}

}  // namespace

asio::awaitable<CallResult> call(proxy::UpstreamPool& pool, http::request<http::string_body> request,
                                 CallOptions options) {
    request.version(11);
    request.prepare_payload();
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto acquired = co_await pool.acquire(attempt == 0);
        if (!acquired.connection) {
            CallResult failed;
            failed.outcome = acquired.failure == proxy::AcquireResult::Failure::tls ? CallResult::Outcome::tls
                                                                                     : CallResult::Outcome::unreachable;
            co_return failed;
        }
        auto& connection = *acquired.connection;
        const auto& server = pool.upstream().servers[connection.server_index];
        request.set(http::field::host, pool.host_header(connection.server_index));
        auto exchange = co_await std::visit(
            [&](auto& stream) {
                return exchange_on(stream, connection, pool.upstream(), request, options, acquired.reused);
            },
            connection.stream);
        exchange.result.server = &server;
        if (exchange.reusable) {
            pool.release(std::move(acquired.connection));
        } else {
            pool.discard(std::move(acquired.connection));
        }
        if (!exchange.retry) co_return std::move(exchange.result);
    }
    CallResult failed;
    failed.outcome = CallResult::Outcome::broken;
    co_return failed;
}

}  // namespace tg::client
