#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>

namespace tg::sandbox {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Synchronous on purpose: the stand-ins answer from memory, never block on I/O.
using Handler = std::function<Response(const Request&)>;

// For a stand-in that must be able to hold an answer back (a deliberately slow
// upstream) without stalling the other connections: it may co_await a timer.
// The request stays alive until the returned awaitable completes.
using AsyncHandler = std::function<boost::asio::awaitable<Response>(const Request&)>;

// Takes over a connection whose request asks for a WebSocket upgrade
// (boost::beast::websocket::is_upgrade): it owns the stream from then on, answers
// the handshake itself (websocket::stream::async_accept(request)) and runs until
// the connection is done. The stream comes with no timeout set.
using UpgradeHandler =
    std::function<boost::asio::awaitable<void>(boost::beast::tcp_stream, Request)>;

// The upgrade handler for a request, or an empty one to answer the request with
// the ordinary Handler instead.
using UpgradeLookup = std::function<UpgradeHandler(const Request&)>;

}  // namespace tg::sandbox
