#include "tests/support/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>

namespace tg::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct HttpClient::Impl {
    asio::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
    std::chrono::milliseconds timeout;
    std::uint16_t port;
};

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout) : impl_(new Impl) {
    impl_->timeout = timeout;
    impl_->port = port;
    impl_->stream.expires_after(timeout);
    impl_->stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
}

HttpClient::~HttpClient() { delete impl_; }

Response HttpClient::send(Request request) {
    if (!request.count(http::field::host)) request.set(http::field::host, "127.0.0.1:" + std::to_string(impl_->port));
    request.prepare_payload();
    // Beast's synchronous calls ignore tcp_stream timeouts, so drive the io_context.
    beast::error_code ec;
    Response response;
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    impl_->stream.expires_after(impl_->timeout);
    http::async_write(impl_->stream, request, [&](beast::error_code e, std::size_t) {
        if (e) { ec = e; return; }
        http::async_read(impl_->stream, impl_->buffer, parser, [&](beast::error_code e2, std::size_t) { ec = e2; });
    });
    impl_->io.restart();
    impl_->io.run();
    if (ec) throw beast::system_error(ec);
    return parser.release();
}

Response HttpClient::get(const std::string& target) { return send(make_request(http::verb::get, target)); }

bool HttpClient::closed_by_server(std::chrono::milliseconds wait) {
    beast::error_code ec;
    char byte;
    impl_->stream.expires_after(wait);
    impl_->stream.async_read_some(asio::buffer(&byte, 1), [&](beast::error_code e, std::size_t) { ec = e; });
    impl_->io.restart();
    impl_->io.run();
    return ec == asio::error::eof || ec == asio::error::connection_reset;
}

Response fetch(std::uint16_t port, Request request) { return HttpClient(port).send(std::move(request)); }

Response fetch(std::uint16_t port, const std::string& target) { return HttpClient(port).get(target); }

namespace {

template <class Stream>
std::string exchange_raw(asio::io_context& io, Stream& stream, const std::string& bytes) {
    std::string received;
    std::array<char, 4096> piece;
    std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code ec, std::size_t n) {
        received.append(piece.data(), n);
        if (!ec) stream.async_read_some(asio::buffer(piece), on_read);
    };
    asio::async_write(stream, asio::buffer(bytes), [&](beast::error_code ec, std::size_t) {
        if (!ec) stream.async_read_some(asio::buffer(piece), on_read);
    });
    io.run();
    return received;
}

}  // namespace

std::string raw_exchange(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout, bool tls,
                         const std::string& clear_prefix) {
    asio::io_context io;
    beast::tcp_stream tcp_stream(io);
    tcp_stream.expires_after(timeout);
    tcp_stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    if (!clear_prefix.empty()) asio::write(tcp_stream, asio::buffer(clear_prefix));
    if (!tls) return exchange_raw(io, tcp_stream, bytes);
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.set_verify_mode(asio::ssl::verify_none);
    asio::ssl::stream<beast::tcp_stream> stream(std::move(tcp_stream), context);
    stream.handshake(asio::ssl::stream_base::client);
    return exchange_raw(io, stream, bytes);
}

namespace {

template <class Stream>
FloodResult flood(asio::io_context& io, Stream& stream, const std::string& head, const std::string& filler,
                  std::uint64_t max_bytes) {
    FloodResult result;
    bool answered = false;
    std::array<char, 4096> piece;
    std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code ec, std::size_t n) {
        result.received.append(piece.data(), n);
        answered = answered || n > 0;
        if (!ec) {
            stream.async_read_some(asio::buffer(piece), on_read);
        } else {
            beast::error_code ignored;
            beast::get_lowest_layer(stream).socket().cancel(ignored);  // ends a write the server no longer reads
        }
    };
    std::function<void(beast::error_code, std::size_t)> on_write = [&](beast::error_code ec, std::size_t n) {
        result.sent += n;
        if (ec || answered || result.sent >= max_bytes) return;
        asio::async_write(stream, asio::buffer(filler), on_write);
    };
    asio::async_write(stream, asio::buffer(head), [&](beast::error_code ec, std::size_t n) {
        result.sent += n;
        if (ec) return;
        stream.async_read_some(asio::buffer(piece), on_read);
        asio::async_write(stream, asio::buffer(filler), on_write);
    });
    io.run();
    return result;
}

}  // namespace

FloodResult flood_until_answered(std::uint16_t port, const std::string& head, const std::string& filler,
                                 std::uint64_t max_bytes, std::chrono::milliseconds timeout, bool tls) {
    asio::io_context io;
    beast::tcp_stream tcp_stream(io);
    tcp_stream.expires_after(timeout);
    tcp_stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    if (!tls) return flood(io, tcp_stream, head, filler, max_bytes);
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.set_verify_mode(asio::ssl::verify_none);
    asio::ssl::stream<beast::tcp_stream> stream(std::move(tcp_stream), context);
    stream.handshake(asio::ssl::stream_base::client);
    return flood(io, stream, head, filler, max_bytes);
}

std::optional<std::chrono::milliseconds> time_until_received(std::uint16_t port, const std::string& bytes,
                                                             const std::string& needle,
                                                             std::chrono::milliseconds timeout) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const auto start = std::chrono::steady_clock::now();
    std::optional<std::chrono::milliseconds> found;
    std::string received;
    std::array<char, 4096> piece;
    std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code ec, std::size_t n) {
        received.append(piece.data(), n);
        if (received.find(needle) != std::string::npos) {
            found = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
            return;
        }
        if (!ec) stream.async_read_some(asio::buffer(piece), on_read);
    };
    asio::async_write(stream, asio::buffer(bytes), [&](beast::error_code ec, std::size_t) {
        if (!ec) stream.async_read_some(asio::buffer(piece), on_read);
    });
    io.run();
    return found;
}

Request make_request(http::verb method, const std::string& target, std::string body) {
    Request request{method, target, 11};
    request.body() = std::move(body);
    return request;
}

// The kernel may hand the same free port to two calls in a row (it is free again once the
// probe closes), and a test that starts two servers on one port talks to the wrong one.
// So a port is handed out at most once per process.
std::uint16_t unused_port() {
    static std::mutex mutex;
    static std::set<std::uint16_t> handed_out;
    asio::io_context io;
    for (int attempt = 0; attempt < 100; ++attempt) {
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        const auto port = acceptor.local_endpoint().port();
        std::lock_guard lock(mutex);
        if (handed_out.insert(port).second) return port;
    }
    throw std::runtime_error("unused_port: no port that was not handed out already");
}

}  // namespace tg::test
