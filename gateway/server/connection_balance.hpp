// Exact connection balance between workers. The kernel's SO_REUSEPORT hash splits
// connections unevenly (27 and 37 of 64 is common), and a connection's latency grows
// with the number of connections its worker serves. A worker that accepts a
// connection while another serves fewer hands the connection over, as Envoy's
// exact_balance does; the hand-off costs one post per connection, nothing per request.
#pragma once

#include "gateway/server/http_session.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <vector>

namespace tg::server {

class Worker;

// The worker with the fewest connections; `accepting` unless another has fewer.
Worker& least_loaded(Worker& accepting, const std::vector<Worker*>& workers);

// Starts the connection's session on `target`'s thread.
void hand_off(Worker& target, std::shared_ptr<const ListenerInfo> listener, boost::asio::ip::tcp::socket socket);

}  // namespace tg::server
