#pragma once

#include "sandbox/common/http_types.hpp"

namespace tg::sandbox {

// An UpgradeHandler for testing WebSocket tunnelling: accepts the upgrade and
// echoes every message back with its type. Two text messages are commands:
// "close-me" makes the server start the close handshake (code 4000, reason
// "bye"), "ping-me" sends a ping frame before the echo. A client's close is
// answered. No idle limit (the proxy's is what gets tested); the opening and
// closing handshakes each have 10 s.
boost::asio::awaitable<void> websocket_echo(boost::beast::tcp_stream stream, Request request);

}  // namespace tg::sandbox
