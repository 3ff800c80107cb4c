#pragma once

#include "sandbox/common/http_types.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>

namespace tg::sandbox {

struct HttpServerOptions {
  std::chrono::seconds io_timeout{30};     // per read or write, also the keep-alive idle limit
  std::uint64_t body_limit = 1024 * 1024;  // larger bodies get 413
};

// A small HTTP/1.1 server: one coroutine per connection, keep-alive, one request
// at a time per connection. The handler runs on the io_context's thread.
// A WebSocket upgrade request for which `upgrade` finds a handler hands the
// connection over to that handler (no HTTP timeouts apply any more); every other
// request, upgrade or not, goes to `handler`.
// The server must outlive the io_context's run().
class HttpServer {
 public:
  // Binds and listens right away, so port() is known before the io_context runs.
  // Throws boost::system::system_error if binding fails.
  HttpServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
             Handler handler, UpgradeLookup upgrade = {}, HttpServerOptions options = {});
  HttpServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
             AsyncHandler handler, UpgradeLookup upgrade = {}, HttpServerOptions options = {});
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  std::uint16_t port() const;

  void start();  // begins accepting
  void stop();   // stops accepting; open HTTP connections end at their next timeout or EOF

 private:
  void open(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<Response> respond(const Request& request) const;
  UpgradeHandler find_upgrade(const Request& request) const;

  boost::asio::ip::tcp::acceptor acceptor_;
  Handler handler_;              // exactly one of handler_ and async_handler_ is set
  AsyncHandler async_handler_;
  UpgradeLookup upgrade_;
  HttpServerOptions options_;
};

}  // namespace tg::sandbox
