#include "sandbox/common/websocket_echo.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <string_view>

namespace tg::sandbox {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr websocket::close_code kServerCloseCode{4000};  // private-use range 4000-4999

bool is_text_command(bool text, const beast::flat_buffer& message, std::string_view command) {
  return text && beast::buffers_to_string(message.data()) == command;
}

}  // namespace

asio::awaitable<void> websocket_echo(beast::tcp_stream stream, Request request) {
  websocket::stream<beast::tcp_stream> ws(std::move(stream));

  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = std::chrono::seconds(10);
  timeout.idle_timeout = websocket::stream_base::none();
  timeout.keep_alive_pings = false;
  ws.set_option(timeout);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) { response.set(http::field::server, "trading-sandbox"); }));
  ws.auto_fragment(false);  // one frame per message, as it came (unless it came fragmented)

  if (auto [error] = co_await ws.async_accept(request, kNoThrow); error) co_return;

  beast::flat_buffer message;
  for (;;) {
    // websocket::error::closed once the client's close has been answered;
    // anything else means the connection broke.
    if (auto [error, size] = co_await ws.async_read(message, kNoThrow); error) co_return;
    const bool text = ws.got_text();

    if (is_text_command(text, message, "close-me")) {
      co_await ws.async_close(websocket::close_reason(kServerCloseCode, "bye"), kNoThrow);
      co_return;
    }
    if (is_text_command(text, message, "ping-me")) {
      if (auto [error] = co_await ws.async_ping({}, kNoThrow); error) co_return;
    }

    ws.text(text);
    if (auto [error, size] = co_await ws.async_write(message.data(), kNoThrow); error) co_return;
    message.clear();
  }
}

}  // namespace tg::sandbox
