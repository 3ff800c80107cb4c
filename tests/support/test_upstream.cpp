#include "tests/support/test_upstream.hpp"

#include "gateway/core/asio_aliases.hpp"
#include "gateway/proxy/relay.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <charconv>
#include <future>

namespace tg::test {
namespace {

using tcp = asio::ip::tcp;

std::uint64_t number_after(std::string_view target, std::string_view prefix) {
    std::uint64_t n = 0;
    const auto digits = target.substr(prefix.size());
    std::from_chars(digits.data(), digits.data() + digits.size(), n);
    return n;
}

boost::json::object describe(const http::request_parser<http::buffer_body>& parser,
                             const proxy::HeaderFieldSet& header_fields, std::uint64_t body_bytes) {
    const auto& req = parser.get();
    const http::fields& fields = req;
    boost::json::object headers, trailers;
    for (auto field = fields.begin(); field != fields.end(); ++field) {
        auto& target = header_fields.contains(field) ? headers : trailers;
        std::string lower(field->name_string());
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        target[lower] = field->value();
    }
    return {{"method", req.method_string()},
            {"target", req.target()},
            {"version", req.version()},
            {"headers", headers},
            {"trailers", trailers},
            {"bodyBytes", body_bytes}};
}

}  // namespace

TestUpstream::TestUpstream() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
}

TestUpstream::~TestUpstream() {
    io_.stop();
    thread_.join();
}

boost::json::object TestUpstream::last_request() const {
    std::lock_guard lock(mutex_);
    return last_request_;
}

void TestUpstream::close_connections() {
    std::promise<void> done;
    asio::post(io_, [&] {
        for (auto* socket : open_sockets_) {
            error_code ignored;
            socket->shutdown(tcp::socket::shutdown_both, ignored);
            socket->close(ignored);
        }
        done.set_value();
    });
    done.get_future().wait();
}

asio::awaitable<void> TestUpstream::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
        if (ec) co_return;
        ++accepted_;
        asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> TestUpstream::serve(tcp::socket socket) {
    open_sockets_.insert(&socket);
    struct Forget {
        std::set<tcp::socket*>& set;
        tcp::socket* socket;
        ~Forget() { set.erase(socket); }
    } forget{open_sockets_, &socket};

    beast::flat_buffer buffer;
    std::array<char, 65536> scratch;
    bool drop_next = false;
    for (;;) {
        http::request_parser<http::buffer_body> parser;
        parser.body_limit(boost::none);
        auto [ec, n] = co_await http::async_read_header(socket, buffer, parser, use_tuple);
        if (ec) co_return;
        const proxy::HeaderFieldSet header_fields(parser.get());
        std::uint64_t body_bytes = 0;
        while (!parser.is_done()) {
            parser.get().body().data = scratch.data();
            parser.get().body().size = scratch.size();
            std::tie(ec, n) = co_await http::async_read(socket, buffer, parser, use_tuple);
            if (ec && ec != http::error::need_buffer) co_return;
            body_bytes += scratch.size() - parser.get().body().size;
        }
        if (drop_next) co_return;  // closes without answering
        ++requests_;
        const auto description = describe(parser, header_fields, body_bytes);
        {
            std::lock_guard lock(mutex_);
            last_request_ = description;
        }
        const std::string target(parser.get().target());
        http::response<http::string_body> res{http::status::ok, 11};
        bool close_after = false;

        if (target.starts_with("/bytes/")) {
            const auto total = number_after(target, "/bytes/");
            std::string header = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                                 std::to_string(total) + "\r\n\r\n";
            std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(header), use_tuple);
            std::fill(scratch.begin(), scratch.end(), 'x');
            for (std::uint64_t sent = 0; sent < total && !ec;) {
                const auto piece = std::min<std::uint64_t>(scratch.size(), total - sent);
                std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(scratch.data(), piece), use_tuple);
                sent += piece;
            }
            if (ec) co_return;
            continue;
        }
        if (target == "/chunked") {
            static constexpr std::string_view chunked =
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
                "5\r\nhello\r\n2\r\n, \r\n5\r\nworld\r\n0\r\nX-Checksum: abc123\r\n\r\n";
            std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(chunked), use_tuple);
            if (ec) co_return;
            continue;
        }
        if (target == "/drip") {
            static constexpr std::string_view first =
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n";
            static constexpr std::string_view second = "6\r\nsecond\r\n0\r\n\r\n";
            std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(first), use_tuple);
            asio::steady_timer pause(io_, std::chrono::milliseconds(1500));
            co_await pause.async_wait(use_tuple);
            std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(second), use_tuple);
            if (ec) co_return;
            continue;
        }
        if (target == "/endless-chunk-extension") {
            static constexpr std::string_view head =
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;";
            std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(head), use_tuple);
            std::fill(scratch.begin(), scratch.end(), 'a');
            constexpr std::uint64_t total = 16 * 1024 * 1024;
            for (std::uint64_t sent = 0; sent < total && !ec; sent += scratch.size()) {
                std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(scratch), use_tuple);
            }
            co_return;
        }
        if (target.starts_with("/interim/")) {
            const auto rest = target.substr(std::string_view("/interim/").size());
            const auto count = std::stoul(rest);
            const auto pause = std::chrono::milliseconds(std::stoul(rest.substr(rest.find('/') + 1)));
            static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
            for (unsigned long i = 0; i < count && !ec; ++i) {
                std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(interim), use_tuple);
                asio::steady_timer timer(io_, pause);
                co_await timer.async_wait(use_tuple);
            }
            static constexpr std::string_view final_answer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal";
            std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(final_answer), use_tuple);
            if (ec) co_return;
            continue;
        }
        if (target == "/switch") {
            static constexpr std::string_view switching =
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
            std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(switching), use_tuple);
            co_return;
        }
        if (target == "/reset") {
            static constexpr std::string_view head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
            std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(head), use_tuple);
            std::fill(scratch.begin(), scratch.begin() + 1000, 'r');
            std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(scratch.data(), 1000), use_tuple);
            socket.set_option(asio::socket_base::linger(true, 0), ec);
            socket.close(ec);
            co_return;
        }
        if (target.starts_with("/slow/")) {
            asio::steady_timer timer(io_, std::chrono::milliseconds(number_after(target, "/slow/")));
            co_await timer.async_wait(use_tuple);
            res.body() = "slow";
        } else if (target.starts_with("/status/")) {
            res.result(static_cast<unsigned>(number_after(target, "/status/")));
        } else if (target == "/identity") {
            asio::steady_timer timer(io_, std::chrono::milliseconds(200));
            co_await timer.async_wait(use_tuple);
            res.set(http::field::content_type, "application/json");
            res.body() = R"({"userId":"u1","agentUserId":"u-1","canTrade":true})";
        } else if (target.starts_with("/fields/")) {
            // Many fields (a few dozen are past any small buffer for them): X-Field-i.
            const auto count = number_after(target, "/fields/");
            for (std::uint64_t i = 0; i < count; ++i) {
                res.insert("X-Field-" + std::to_string(i), "value-" + std::to_string(i) + std::string(64, 'v'));
            }
        } else if (target == "/then-drop") {
            drop_next = true;
        } else if (target == "/close") {
            res.body() = "closing";
            close_after = true;
        } else {
            res.set(http::field::content_type, "application/json");
            res.body() = boost::json::serialize(description);
        }
        res.set("X-Upstream-Port", std::to_string(port_));
        res.keep_alive(!close_after && parser.get().keep_alive());
        res.prepare_payload();
        std::tie(ec, n) = co_await http::async_write(socket, res, use_tuple);
        if (ec || !res.keep_alive()) co_return;
    }
}

}  // namespace tg::test
