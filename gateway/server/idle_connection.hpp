// A plain-HTTP keep-alive connection between two requests, parked outside any coroutine:
// only its socket (waiting for readability) and an idle timer, registered with the worker
// so a drain closes it. When the next request arrives, a fresh session takes the socket
// over; when the idle timeout passes first, the connection is closed. An idle connection
// so costs little more than its socket, instead of a session with its buffers, timers and
// suspended coroutine frames.
#pragma once

#include "gateway/config/model.hpp"
#include "gateway/server/http_session.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

namespace tg::server {

class Worker;

void park_idle_connection(Worker& worker, std::shared_ptr<const ListenerInfo> listener,
                          boost::asio::ip::tcp::socket socket, std::string client_address,
                          config::millis idle_timeout);

}  // namespace tg::server
