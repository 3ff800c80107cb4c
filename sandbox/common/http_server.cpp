#include "sandbox/common/http_server.hpp"

#include "sandbox/common/responses.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <exception>
#include <iostream>

namespace tg::sandbox {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

void log_coroutine_failure(std::exception_ptr failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    std::cerr << "trading-sandbox: connection failed: " << e.what() << '\n';
  }
}

bool is_http_parse_error(const beast::error_code& error) {
  return error.category() == beast::http::make_error_code(http::error::bad_target).category();
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, const tcp::endpoint& endpoint, Handler handler,
                       UpgradeLookup upgrade, HttpServerOptions options)
    : acceptor_(io),
      handler_(std::move(handler)),
      upgrade_(std::move(upgrade)),
      options_(options) {
  open(endpoint);
}

HttpServer::HttpServer(asio::io_context& io, const tcp::endpoint& endpoint, AsyncHandler handler,
                       UpgradeLookup upgrade, HttpServerOptions options)
    : acceptor_(io),
      async_handler_(std::move(handler)),
      upgrade_(std::move(upgrade)),
      options_(options) {
  open(endpoint);
}

void HttpServer::open(const tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

tcp::endpoint HttpServer::local_endpoint() const { return acceptor_.local_endpoint(); }

std::uint16_t HttpServer::port() const { return local_endpoint().port(); }

void HttpServer::start() {
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), log_coroutine_failure);
}

void HttpServer::stop() {
  beast::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> HttpServer::accept_loop() {
  while (acceptor_.is_open()) {
    auto [error, socket] = co_await acceptor_.async_accept(kNoThrow);
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (error) {
      // Typically EMFILE: back off briefly instead of spinning.
      asio::steady_timer backoff(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    asio::co_spawn(acceptor_.get_executor(), serve_connection(std::move(socket)),
                   log_coroutine_failure);
  }
}

asio::awaitable<void> HttpServer::serve_connection(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;

  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options_.body_limit);

    stream.expires_after(options_.io_timeout);
    auto [read_error, bytes_read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    (void)bytes_read;

    Response response;
    if (!read_error) {
      Request request = parser.release();
      if (auto upgrade = find_upgrade(request)) {
        // Any bytes already buffered past the request are dropped: a WebSocket
        // client sends nothing more before it has seen the 101.
        stream.expires_never();
        co_await upgrade(std::move(stream), std::move(request));
        co_return;
      }
      response = co_await respond(request);
      response.version(request.version());
      response.keep_alive(request.keep_alive() && response.keep_alive());
    } else if (read_error == http::error::body_limit) {
      response = text_response(http::status::payload_too_large, "request body too large\n");
      response.keep_alive(false);
    } else if (is_http_parse_error(read_error) && read_error != http::error::end_of_stream &&
               read_error != http::error::partial_message) {
      response = text_response(http::status::bad_request, "malformed request\n");
      response.keep_alive(false);
    } else {
      break;  // EOF between requests, timeout, reset: nothing left to answer
    }
    response.prepare_payload();

    stream.expires_after(options_.io_timeout);
    auto [write_error, bytes_written] = co_await http::async_write(stream, response, kNoThrow);
    (void)bytes_written;
    if (write_error || !response.keep_alive()) break;
  }

  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<Response> HttpServer::respond(const Request& request) const {
  try {
    if (async_handler_) co_return co_await async_handler_(request);
    co_return handler_(request);
  } catch (const std::exception& e) {
    std::cerr << "trading-sandbox: handler failed for " << request.target() << ": " << e.what()
              << '\n';
    co_return text_response(http::status::internal_server_error, "internal error\n");
  }
}

UpgradeHandler HttpServer::find_upgrade(const Request& request) const {
  if (!upgrade_ || !beast::websocket::is_upgrade(request)) return {};
  return upgrade_(request);
}

}  // namespace tg::sandbox
