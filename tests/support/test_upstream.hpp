// A scripted HTTP/1.1 upstream on a loopback port chosen at run time, on its own
// thread. Behaviour is chosen by the request path:
//   /echo...          200 JSON {method, target, headers, bodyBytes, trailers}
//   /bytes/N          N bytes of 'x' with Content-Length, written in pieces
//   /chunked          a chunked body "hello, world" with trailer X-Checksum: abc123
//   /slow/MS          waits MS milliseconds, then 200 "slow"
//   /reset            promises 100000 bytes, sends 1000, then resets the connection
//   /close            200 with Connection: close, then closes
//   /status/N         an empty response with status N
//   /fields/N         200 with N fields "X-Field-i: value-i" and 64 'v's
//   /drip             chunked: "first", a 1.5 s pause, then "second"
//   /identity         after 200 ms, a portal session answer for user "u1"
//   /endless-chunk-extension  a chunked 200 whose first chunk-size line goes on
//                     ("3;aaaa..."), up to 16 MiB, then closes
//   /interim/N/MS     N "100 Continue" answers MS milliseconds apart, then 200 "final"
//   /switch           101 Switching Protocols (never asked for)
//   /then-drop        200, and the next request on that connection is read and
//                     dropped unanswered (the race of a keep-alive close)
// Any request body is read and counted, never stored whole.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace tg::test {

class TestUpstream {
public:
    TestUpstream();
    ~TestUpstream();

    std::uint16_t port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    int connections_accepted() const { return accepted_.load(); }
    int requests_served() const { return requests_.load(); }
    // The last request as the /echo body describes it.
    boost::json::object last_request() const;

    // Closes every connection the upstream holds (keep-alive ones included), as a
    // server does when its idle timeout fires.
    void close_connections();

private:
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

    // Declared before io_ so they outlive the coroutine frames io_ destroys.
    std::atomic<int> accepted_{0};
    std::atomic<int> requests_{0};
    mutable std::mutex mutex_;
    boost::json::object last_request_;
    std::set<boost::asio::ip::tcp::socket*> open_sockets_;  // touched on the io thread only
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace tg::test
