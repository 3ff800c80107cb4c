// Reads a connection's PROXY protocol header off its socket, and not a byte more: what
// follows (a TLS ClientHello, an HTTP request) is left for the session.
#pragma once

#include "gateway/core/timed_socket.hpp"
#include "gateway/server/proxy_protocol.hpp"

#include <boost/asio/awaitable.hpp>

namespace tg::server {

// Within the socket's current deadline; a timeout or a close is an invalid header.
boost::asio::awaitable<ProxyParse> read_proxy_header(TimedSocket& socket);

}  // namespace tg::server
