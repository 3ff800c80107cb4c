// A plain-HTTP keep-alive connection between two requests, parked outside any coroutine:
// only its socket, waiting for readability, on the worker's idle list (which closes it
// when the idle timeout passes or the worker drains). When the next request arrives, a
// fresh session takes the socket over. An idle connection so costs little more than its
// socket, instead of a session with its buffers, timers and suspended coroutine frames.
#pragma once

#include "gateway/config/model.hpp"
#include "gateway/server/http_session.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace tg::server {

class Worker;
class IdleConnection;

// A worker's parked connections, oldest first. Worker thread only.
class IdleList {
public:
    IdleList() = default;
    IdleList(const IdleList&) = delete;
    IdleList& operator=(const IdleList&) = delete;
    ~IdleList() { clear(); }

    void push_back(IdleConnection* connection);
    void erase(IdleConnection* connection);
    // Closes the connections whose idle timeout has passed (the worker's tick calls it:
    // a timeout is kept to within its period, 100 ms).
    void close_expired(std::chrono::steady_clock::time_point now);
    // Deletes every parked connection; only once the worker's io_context no longer runs.
    void clear();

private:
    IdleConnection* head_ = nullptr;
    IdleConnection* tail_ = nullptr;
};

void park_idle_connection(Worker& worker, std::shared_ptr<const ListenerInfo> listener,
                          boost::asio::ip::tcp::socket socket, std::string client_address,
                          config::millis idle_timeout);

}  // namespace tg::server
