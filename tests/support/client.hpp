// Blocking loopback clients for tests, every call bounded by a timeout.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tg::test {

namespace http = boost::beast::http;
using Response = http::response<http::string_body>;
using Request = http::request<http::string_body>;

// A keep-alive HTTP/1.1 connection to 127.0.0.1:port.
class HttpClient {
public:
    explicit HttpClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~HttpClient();

    // Sends the request (Host and Content-Length filled in) and reads the response.
    Response send(Request request);
    Response get(const std::string& target);
    // True when the server has closed the connection (reads EOF within the timeout).
    bool closed_by_server(std::chrono::milliseconds wait = std::chrono::seconds(5));

private:
    struct Impl;
    Impl* impl_;
};

// One request on a fresh connection.
Response fetch(std::uint16_t port, Request request);
Response fetch(std::uint16_t port, const std::string& target);

// Writes raw bytes, then reads until the server closes the connection or `timeout`
// passes; returns everything read. For malformed and pipelined requests. With `tls`,
// over TLS without verifying the server. `clear_prefix` goes first, before any TLS
// handshake (a PROXY protocol header).
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5), bool tls = false,
                         const std::string& clear_prefix = {});

// Writes raw bytes and reports how long it took until `needle` was received, or
// nothing if it did not arrive within `timeout`.
std::optional<std::chrono::milliseconds> time_until_received(std::uint16_t port, const std::string& bytes,
                                                             const std::string& needle,
                                                             std::chrono::milliseconds timeout);

// What a flooding client sent and got back.
struct FloodResult {
    std::string received;    // everything the server answered
    std::uint64_t sent = 0;  // bytes written, `head` included
};

// Writes `head`, then `filler` again and again, until the server answers, the
// connection ends, or `max_bytes` have gone; then reads until the server closes or
// `timeout` (for the whole exchange) passes. For the limits on what a server buffers.
// With `tls`, over TLS without verifying the server.
FloodResult flood_until_answered(std::uint16_t port, const std::string& head, const std::string& filler,
                                 std::uint64_t max_bytes, std::chrono::milliseconds timeout, bool tls = false);

Request make_request(http::verb method, const std::string& target, std::string body = {});

// A port nobody listens on (bound, then released).
std::uint16_t unused_port();

}  // namespace tg::test
