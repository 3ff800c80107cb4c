// One connection to an upstream server, plain or TLS, with the bytes it has read
// past the last response.
#pragma once

#include "gateway/core/timed_socket.hpp"
#include "gateway/core/tls_socket.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <memory_resource>
#include <optional>
#include <string>
#include <variant>

namespace tg::proxy {

namespace beast = boost::beast;
namespace http = boost::beast::http;

using PlainStream = TimedSocket;
using TlsStream = TlsSocket;

// A proxied response's fields come from its connection's arena (below), not one heap
// allocation per field.
using ResponseAllocator = std::pmr::polymorphic_allocator<char>;
using ResponseParser = http::parser<false, http::buffer_body, ResponseAllocator>;

// The peer ended or reset the connection (as opposed to a timeout or a parse error).
bool is_connection_lost(const boost::system::error_code& ec);

class UpstreamConnection {
public:
    template <class Stream>
    UpstreamConnection(Stream&& stream, std::size_t server_index)
        : stream(std::forward<Stream>(stream)), server_index(server_index) {
        // Beast reads into an empty flat_buffer 512 bytes at a time; a typical answer
        // header plus a small body should take one recv.
        buffer.reserve(16 * 1024);
        head.reserve(512);
    }

    UpstreamConnection(const UpstreamConnection&) = delete;
    UpstreamConnection& operator=(const UpstreamConnection&) = delete;
    ~UpstreamConnection() { clear_response(); }  // the fields before their arena

    TimedSocket& tcp();

    // True when the server has closed its side (or sent bytes nobody asked for)
    // while the connection sat idle in the pool. One non-blocking recv(MSG_PEEK).
    bool unusable_after_idle();

    // A parser for the next response in `response`, its fields in the arena, which it
    // empties first (the previous response's fields go with it).
    ResponseParser& new_response();
    // Drops the response and its fields.
    void clear_response();

    std::variant<PlainStream, TlsStream> stream;
    beast::flat_buffer buffer;
    // The request header being sent, then the response header for the client: one
    // string that keeps its capacity from one exchange to the next. Empty between
    // exchanges (each write clears what it sent).
    std::string head;
    std::size_t server_index;
    std::chrono::steady_clock::time_point idle_since{};
    // The response being read (in the connection, not in the exchange's coroutine
    // frame, which it would push past the size Asio recycles).
    std::optional<ResponseParser> response;

private:
    // Room for the fields of a typical response (a field takes its text plus about 60
    // bytes); more comes from the heap until the next response.
    std::array<std::byte, 2048> field_storage_;
    std::pmr::monotonic_buffer_resource field_arena_{field_storage_.data(), field_storage_.size()};
};

}  // namespace tg::proxy
