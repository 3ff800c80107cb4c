// WebSocket upgrades on proxied routes: the upgrade request goes to the upstream;
// on 101 the gateway relays bytes both ways (frames pass untouched) until either
// side closes or nothing moves for the route's idle timeout.
#pragma once

#include "gateway/proxy/exchange.hpp"

namespace tg::proxy {

// Connection: upgrade and Upgrade: websocket (RFC 6455 section 4.1).
bool is_websocket_upgrade(const http::request_header<>& request);

template <class ClientStream>
asio::awaitable<ProxyOutcome> tunnel_websocket(ClientStream& client, beast::flat_buffer& client_buffer,
                                               ProxyRequest& request);

namespace errors {
inline constexpr ErrorInfo origin_not_allowed{http::status::forbidden, "origin_not_allowed",
                                              "WebSocket connections from this origin are not allowed"};
}

}  // namespace tg::proxy
