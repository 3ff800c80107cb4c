// A misbehaving upstream on a loopback port chosen at run time: for each request it reads
// the head, then plays the script named by the request's path, byte for byte (Beast is
// not used, so it can send what no HTTP library would). Scripts not found: 404.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>

namespace tg::test {

struct Script {
    enum class End { close, reset, hang };
    std::string bytes;      // written as they are
    End end = End::close;   // after the bytes
    std::chrono::milliseconds hang{5000};  // with End::hang: how long before closing
};

class ScriptedUpstream {
public:
    explicit ScriptedUpstream(std::map<std::string, Script> scripts);  // by path, "/garbage"
    ~ScriptedUpstream();

    std::uint16_t port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // Requests whose head was read, over all connections.
    std::uint64_t requests() const { return requests_.load(); }

private:
    void serve(boost::asio::ip::tcp::socket socket);

    std::map<std::string, Script> scripts_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_{io_};
    std::uint16_t port_ = 0;
    std::atomic<std::uint64_t> requests_{0};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace tg::test
