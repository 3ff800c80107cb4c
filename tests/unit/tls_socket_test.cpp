// TlsSocket, OpenSSL run directly on the socket: the handshake with the gateway's own
// server and upstream contexts, bytes both ways (gathered buffers included), a large
// write to a slow reader that must wait for the socket and finish a record it began, a
// read and a write pending at once, deadlines, buffered input, reads that mark the socket
// empty, a write that must read first, no use of a closed
// socket's descriptor number, a reset peer, the end of a stream (close_notify, also after
// a large write, or a cut) and the client's check of the server's name. Real sockets on
// loopback, in one io_context run for a bounded time.
#define BOOST_TEST_MODULE tls_socket
#include <boost/test/unit_test.hpp>

#include "gateway/core/tls_socket.hpp"
#include "gateway/server/tls.hpp"
#include "tests/support/certificate.hpp"
#include "tests/support/socket_pair.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <unistd.h>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace tg;
using namespace std::chrono_literals;

namespace {

// A client and a server TlsSocket connected on loopback, made from the gateway's TLS
// contexts, with a certificate for localhost and 127.0.0.1 that the client trusts.
struct TlsPair {
    explicit TlsPair(asio::io_context& io) {
        test::make_certificate(dir, "localhost", "DNS:localhost,IP:127.0.0.1");
        config::TlsSettings listener;
        listener.cert_file = (dir.path() / "localhost.pem").string();
        listener.key_file = (dir.path() / "localhost.key").string();
        server_context = server::make_server_tls_context(listener);
        config::Upstream upstream;
        upstream.name = "test";
        upstream.ca_file = listener.cert_file;
        client_context = server::make_upstream_tls_context(upstream);

        test::SocketPair sockets(io);
        client.emplace(TimedSocket(std::move(sockets.near)), client_context->native_handle());
        server.emplace(TimedSocket(std::move(sockets.far)), server_context->native_handle());
    }

    test::TempDir dir;
    std::shared_ptr<asio::ssl::context> server_context;
    std::shared_ptr<asio::ssl::context> client_context;
    std::optional<TlsSocket> client;
    std::optional<TlsSocket> server;
};

template <class Coroutine>
void spawn(asio::io_context& io, Coroutine coroutine) {
    asio::co_spawn(io, std::move(coroutine), [](std::exception_ptr failure) {
        if (failure) std::rethrow_exception(failure);
    });
}

struct HandshakeResult {
    std::optional<error_code> client;
    std::optional<error_code> server;
};

// Both sides' handshakes, the client expecting the server to be `host`.
HandshakeResult handshake(asio::io_context& io, TlsPair& pair, const std::string& host, bool is_ip) {
    HandshakeResult result;
    BOOST_REQUIRE(pair.client->expect_peer(host, is_ip));
    spawn(io, [&]() -> asio::awaitable<void> {
        result.client = co_await pair.client->handshake(TlsSocket::Side::client);
    });
    spawn(io, [&]() -> asio::awaitable<void> {
        pair.server->next_layer().expires_after(5s);
        result.server = co_await pair.server->handshake(TlsSocket::Side::server);
        pair.server->next_layer().expires_never();
    });
    io.run_for(10s);
    io.restart();
    return result;
}

void connect(asio::io_context& io, TlsPair& pair) {
    const auto result = handshake(io, pair, "localhost", false);
    BOOST_REQUIRE(result.client.has_value() && result.server.has_value());
    BOOST_REQUIRE_MESSAGE(!*result.client, result.client->message());
    BOOST_REQUIRE_MESSAGE(!*result.server, result.server->message());
}

// Bytes that differ from their neighbours, so that a lost or repeated piece shows.
std::string pattern(std::size_t size, unsigned seed) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + i / 7919 + seed) % 251);
    return bytes;
}

// Reads until `expected` bytes came or the stream ended.
asio::awaitable<std::string> read_all(TlsSocket& from, std::size_t expected) {
    std::string received(expected, '\0');
    auto [ec, n] = co_await asio::async_read(from, asio::buffer(received), use_tuple);
    received.resize(n);
    co_return received;
}

// Writes `bytes` the way the proxy answers: what the socket takes at once (try_write),
// then the rest asynchronously, in 64 KiB pieces of two buffers each (a small "header"
// and the rest). Counts the pieces the socket did not take at once.
asio::awaitable<void> write_like_the_proxy(TlsSocket& to, const std::string& bytes, std::size_t& waited) {
    constexpr std::size_t piece = 64 * 1024;
    for (std::size_t offset = 0; offset < bytes.size(); offset += piece) {
        const auto size = std::min(piece, bytes.size() - offset);
        const auto head = std::min<std::size_t>(100, size);
        const std::array<asio::const_buffer, 2> buffers{asio::buffer(bytes.data() + offset, head),
                                                        asio::buffer(bytes.data() + offset + head, size - head)};
        error_code ec;
        const auto sent = to.try_write(buffers, ec);
        BOOST_REQUIRE(!ec);
        if (sent == size) continue;
        ++waited;
        beast::buffers_suffix rest(buffers);
        rest.consume(sent);
        auto [write_ec, written] = co_await asio::async_write(to, rest, use_tuple);
        BOOST_REQUIRE_MESSAGE(!write_ec, write_ec.message());
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(handshake_then_bytes_both_ways_with_alpn) {
    asio::io_context io;
    TlsPair pair(io);
    connect(io, pair);
    const unsigned char* protocol = nullptr;
    unsigned length = 0;
    SSL_get0_alpn_selected(pair.client->native_handle(), &protocol, &length);
    BOOST_TEST(std::string(reinterpret_cast<const char*>(protocol), length) == "http/1.1");

    std::string at_server, at_client;
    spawn(io, [&]() -> asio::awaitable<void> {
        const std::string head = "GET / HTTP/1.1\r\n", rest = "Host: x\r\n\r\n";
        const std::array<asio::const_buffer, 2> request{asio::buffer(head), asio::buffer(rest)};
        auto [ec, n] = co_await asio::async_write(*pair.client, request, use_tuple);
        BOOST_TEST(!ec);
        at_client = co_await read_all(*pair.client, 5);
    });
    spawn(io, [&]() -> asio::awaitable<void> {
        at_server = co_await read_all(*pair.server, 27);
        auto [ec, n] = co_await asio::async_write(*pair.server, asio::buffer(std::string_view("hello")), use_tuple);
        BOOST_TEST(!ec);
    });
    io.run_for(10s);
    BOOST_TEST(at_server == "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(at_client == "hello");
}

BOOST_AUTO_TEST_CASE(a_large_write_to_a_slow_reader_arrives_whole_and_in_order) {
    asio::io_context io;
    TlsPair pair(io);
    connect(io, pair);
    const auto sent = pattern(8 * 1024 * 1024, 1);
    std::size_t waited = 0;
    std::string received;
    spawn(io, [&]() -> asio::awaitable<void> { co_await write_like_the_proxy(*pair.server, sent, waited); });
    spawn(io, [&]() -> asio::awaitable<void> {
        asio::steady_timer pause(io, 300ms);  // the socket buffers fill up meanwhile
        co_await pause.async_wait(asio::use_awaitable);
        received = co_await read_all(*pair.client, sent.size());
    });
    io.run_for(30s);
    BOOST_TEST(waited > 0u, "the writer never had to wait: the test did not exercise it");
    BOOST_TEST(received.size() == sent.size());
    BOOST_TEST((received == sent), "the bytes arrived changed or out of order");
}

BOOST_AUTO_TEST_CASE(a_read_and_a_write_pending_at_once_on_both_sides) {
    asio::io_context io;
    TlsPair pair(io);
    connect(io, pair);
    const auto to_server = pattern(8 * 1024 * 1024, 2);
    const auto to_client = pattern(8 * 1024 * 1024, 3);
    std::string at_server, at_client;
    std::size_t waited = 0;
    const auto read_later = [&](TlsSocket& from, std::size_t size, std::string& into) -> asio::awaitable<void> {
        asio::steady_timer pause(io, 300ms);  // both writers fill the socket buffers and wait
        co_await pause.async_wait(asio::use_awaitable);
        into = co_await read_all(from, size);
    };
    spawn(io, [&]() -> asio::awaitable<void> { co_await write_like_the_proxy(*pair.client, to_server, waited); });
    spawn(io, [&]() -> asio::awaitable<void> { co_await write_like_the_proxy(*pair.server, to_client, waited); });
    spawn(io, [&]() { return read_later(*pair.server, to_server.size(), at_server); });
    spawn(io, [&]() { return read_later(*pair.client, to_client.size(), at_client); });
    io.run_for(30s);
    BOOST_TEST(waited >= 2u, "the writers did not both wait while a read was pending");
    BOOST_TEST((at_server == to_server));
    BOOST_TEST((at_client == to_client));
}

BOOST_AUTO_TEST_CASE(a_read_past_its_deadline_times_out_and_the_connection_stays_usable) {
    asio::io_context io;
    TlsPair pair(io);
    connect(io, pair);
    std::optional<error_code> first;
    std::string later;
    spawn(io, [&]() -> asio::awaitable<void> {
        std::array<char, 16> buffer;
        pair.client->next_layer().expires_after(150ms);
        auto [ec, n] = co_await pair.client->async_read_some(asio::buffer(buffer), use_tuple);
        first = ec;
        pair.client->next_layer().expires_never();
        auto [write_ec, written] = co_await asio::async_write(*pair.server, asio::buffer(std::string_view("late")), use_tuple);
        BOOST_TEST(!write_ec);
        later = co_await read_all(*pair.client, 4);
    });
    io.run_for(10s);
    BOOST_REQUIRE(first.has_value());
    BOOST_TEST((*first == beast::error::timeout), first->message());
    BOOST_TEST(later == "late");
}

BOOST_AUTO_TEST_CASE(bytes_read_from_the_socket_but_not_yet_asked_for_are_reported) {
    asio::io_context io;
    TlsPair pair(io);
    connect(io, pair);
    std::optional<bool> after_part, after_all;
    spawn(io, [&]() -> asio::awaitable<void> {
        auto [ec, n] = co_await asio::async_write(*pair.server, asio::buffer(std::string_view("0123456789")), use_tuple);
        BOOST_TEST(!ec);
        const auto first = co_await read_all(*pair.client, 1);
        after_part = pair.client->has_buffered_input();
        const auto rest = co_await read_all(*pair.client, 9);
        after_all = pair.client->has_buffered_input();
        BOOST_TEST(first + rest == "0123456789");
    });
    io.run_for(10s);
    BOOST_REQUIRE(after_part.has_value() && after_all.has_value());
    BOOST_TEST(*after_part);
    BOOST_TEST(!*after_all);
}

// A read whose recv emptied the socket marks it (reactor_op.hpp), so the next read waits
// for the readiness edge; records OpenSSL already holds must not wait for it, and data
// that comes while no read is pending must not be missed.
BOOST_AUTO_TEST_CASE(records_held_by_openssl_and_data_arriving_between_reads_are_read) {
    asio::io_context io;
    TlsPair pair(io);
    connect(io, pair);
    std::vector<std::string> got;
    const auto send_now = [&](std::string_view text) {
        error_code ec;
        BOOST_REQUIRE(pair.server->try_write(asio::buffer(text), ec) == text.size());
    };
    // Data arrives while no read is pending, its readiness edge seen with nothing waiting.
    const auto send_between_reads = [&](std::string_view text) -> asio::awaitable<void> {
        send_now(text);
        asio::steady_timer pause(io, 20ms);
        co_await pause.async_wait(use_tuple);
    };
    const auto read = [&](std::size_t size) -> asio::awaitable<void> {
        std::array<char, 64> buffer;
        auto [ec, n] = co_await pair.client->async_read_some(asio::buffer(buffer.data(), size), use_tuple);
        got.push_back(ec ? ec.message() : std::string(buffer.data(), n));
    };
    spawn(io, [&]() -> asio::awaitable<void> {
        pair.client->next_layer().expires_after(5s);
        send_now("first");
        send_now("second");  // two records, read by one recv
        co_await read(5);
        co_await send_between_reads("third");
        co_await read(64);  // "second", held by OpenSSL: no recv, so nothing known of the socket
        co_await read(64);  // "third"; this recv empties the socket
        co_await send_between_reads("fourth");
        co_await read(64);
    });
    io.run_for(10s);
    const std::vector<std::string> expected{"first", "second", "third", "fourth"};
    BOOST_TEST(got == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_zero_length_read_says_nothing_about_the_socket) {
    asio::io_context io;
    TlsPair pair(io);
    connect(io, pair);
    std::vector<std::string> got;
    spawn(io, [&]() -> asio::awaitable<void> {
        error_code ec;
        std::array<char, 64> buffer;
        pair.client->next_layer().expires_after(5s);
        BOOST_REQUIRE(pair.server->try_write(asio::buffer(std::string_view("a")), ec) == 1u);
        auto [ec1, n1] = co_await pair.client->async_read_some(asio::buffer(buffer), use_tuple);  // empties the socket
        got.emplace_back(buffer.data(), n1);
        BOOST_REQUIRE(pair.server->try_write(asio::buffer(std::string_view("b")), ec) == 1u);
        asio::steady_timer pause(io, 20ms);  // its edge is seen with no read pending
        co_await pause.async_wait(use_tuple);
        auto [ec0, n0] = co_await pair.client->async_read_some(asio::mutable_buffer(), use_tuple);  // no recv
        BOOST_TEST((!ec0 && n0 == 0u));
        auto [ec2, n2] = co_await pair.client->async_read_some(asio::buffer(buffer), use_tuple);
        got.push_back(ec2 ? ec2.message() : std::string(buffer.data(), n2));
    });
    io.run_for(10s);
    const std::vector<std::string> expected{"a", "b"};
    BOOST_TEST(got == expected, boost::test_tools::per_element());
}

// An empty read completes at once, also right after a read that emptied the socket
// (no edge has come since, so the reactor would not try a read that waits for one).
BOOST_AUTO_TEST_CASE(a_zero_length_read_after_the_socket_emptied_completes_at_once) {
    asio::io_context io;
    TlsPair pair(io);
    connect(io, pair);
    std::optional<error_code> empty_read;
    spawn(io, [&]() -> asio::awaitable<void> {
        error_code ec;
        std::array<char, 64> buffer;
        pair.client->next_layer().expires_after(5s);
        BOOST_REQUIRE(pair.server->try_write(asio::buffer(std::string_view("a")), ec) == 1u);
        auto [ec1, n1] = co_await pair.client->async_read_some(asio::buffer(buffer), use_tuple);  // empties the socket
        BOOST_REQUIRE((!ec1 && n1 == 1u));
        auto [ec0, n0] = co_await pair.client->async_read_some(asio::mutable_buffer(), use_tuple);
        empty_read = ec0;
        BOOST_TEST(n0 == 0u);
    });
    io.run_for(2s);
    BOOST_REQUIRE(empty_read.has_value());
    BOOST_TEST(empty_read->message() == error_code{}.message());
}

// A keep-alive connection whose next request is late gives back its read buffer and
// waits on the socket alone (HttpSession), once OpenSSL says nothing can happen before
// input comes: also when the timed-out read never called OpenSSL (the socket was known
// to be empty after the request).
BOOST_AUTO_TEST_CASE(after_an_answer_a_connection_waits_for_input_alone) {
    asio::io_context io;
    TlsPair pair(io);
    connect(io, pair);
    std::optional<error_code> idle_read;
    std::optional<bool> idle;
    spawn(io, [&]() -> asio::awaitable<void> {
        error_code ec;
        std::array<char, 4096> buffer;
        BOOST_REQUIRE(pair.client->try_write(asio::buffer(std::string_view("request")), ec) == 7u);
        pair.server->next_layer().expires_after(5s);
        auto [read_ec, n] = co_await pair.server->async_read_some(asio::buffer(buffer), use_tuple);
        BOOST_REQUIRE(!read_ec);
        BOOST_REQUIRE(pair.server->try_write(asio::buffer(std::string_view("answer")), ec) == 6u);
        pair.server->next_layer().expires_after(30ms);
        std::tie(read_ec, n) = co_await pair.server->async_read_some(asio::buffer(buffer), use_tuple);
        idle_read = read_ec;
        idle = pair.server->idle_until_readable();
    });
    io.run_for(10s);
    BOOST_REQUIRE(idle_read.has_value() && idle.has_value());
    BOOST_TEST((*idle_read == beast::error::timeout), idle_read->message());
    BOOST_TEST(*idle);
}

// OpenSSL runs the handshake inside the first SSL_write when none was asked for: that
// write must wait to read the server's answer, a wait in the other direction.
BOOST_AUTO_TEST_CASE(a_write_that_must_read_first_waits_for_input_and_completes) {
    asio::io_context io;
    TlsPair pair(io);
    SSL_set_connect_state(pair.client->native_handle());
    BOOST_REQUIRE(pair.client->expect_peer("localhost", false));
    std::optional<error_code> written, server_handshake;
    std::string at_server;
    spawn(io, [&]() -> asio::awaitable<void> {
        pair.client->next_layer().expires_after(5s);
        auto [ec, n] = co_await asio::async_write(*pair.client, asio::buffer(std::string_view("ping")), use_tuple);
        written = ec;
    });
    spawn(io, [&]() -> asio::awaitable<void> {
        pair.server->next_layer().expires_after(5s);
        server_handshake = co_await pair.server->handshake(TlsSocket::Side::server);
        at_server = co_await read_all(*pair.server, 4);
    });
    io.run_for(10s);
    BOOST_REQUIRE(written.has_value() && server_handshake.has_value());
    BOOST_TEST(!*written, written->message());
    BOOST_TEST(!*server_handshake, server_handshake->message());
    BOOST_TEST(at_server == "ping");
}

// OpenSSL knows the socket only by its descriptor number, which the process hands to the
// next socket it opens: after a close, nothing may reach that number.
BOOST_AUTO_TEST_CASE(after_a_close_nothing_touches_the_old_descriptor_number) {
    asio::io_context io;
    TlsPair pair(io);
    connect(io, pair);
    test::SocketPair other(io);
    auto& near = other.near;
    auto& far = other.far;

    near.non_blocking(true);  // a regression then fails instead of blocking the test
    const int old_number = pair.client->next_layer().socket().native_handle();
    pair.client->next_layer().socket().close();
    BOOST_REQUIRE(::dup2(near.native_handle(), old_number) == old_number);  // the number now means `near`

    error_code write_ec;
    BOOST_TEST(pair.client->try_write(asio::buffer(std::string_view("stray")), write_ec) == 0u);
    BOOST_TEST((write_ec == asio::error::bad_descriptor), write_ec.message());
    pair.client->notify_close();
    std::optional<error_code> read_ec;
    spawn(io, [&]() -> asio::awaitable<void> {
        std::array<char, 16> buffer;
        auto [ec, n] = co_await pair.client->async_read_some(asio::buffer(buffer), use_tuple);
        read_ec = ec;
    });
    io.run_for(2s);
    ::close(old_number);
    BOOST_REQUIRE(read_ec.has_value());
    BOOST_TEST((*read_ec == asio::error::bad_descriptor), read_ec->message());
    BOOST_TEST(far.available() == 0u, "bytes reached the connection that took over the number");
}

BOOST_AUTO_TEST_CASE(a_write_to_a_reset_peer_is_an_error_not_a_signal) {
    asio::io_context io;
    TlsPair pair(io);
    connect(io, pair);
    auto& server_socket = pair.server->next_layer().socket();
    server_socket.set_option(asio::socket_base::linger(true, 0));
    server_socket.close();  // a reset
    error_code ec;
    const auto piece = pattern(1024, 4);
    for (int attempt = 0; attempt < 20 && !ec; ++attempt) {
        pair.client->try_write(asio::buffer(piece), ec);
        std::this_thread::sleep_for(10ms);
    }
    BOOST_TEST((ec == asio::error::connection_reset || ec == asio::error::broken_pipe), ec.message());
}

BOOST_AUTO_TEST_CASE(close_notify_ends_the_stream_and_a_cut_is_a_truncation) {
    asio::io_context io;
    std::optional<error_code> after_notify, after_cut;
    TlsPair notified(io);
    connect(io, notified);
    TlsPair cut(io);
    connect(io, cut);
    spawn(io, [&]() -> asio::awaitable<void> {
        std::array<char, 16> buffer;
        notified.server->notify_close();
        auto [ec, n] = co_await notified.client->async_read_some(asio::buffer(buffer), use_tuple);
        after_notify = ec;
    });
    spawn(io, [&]() -> asio::awaitable<void> {
        std::array<char, 16> buffer;
        cut.server->next_layer().socket().close();
        auto [ec, n] = co_await cut.client->async_read_some(asio::buffer(buffer), use_tuple);
        after_cut = ec;
    });
    io.run_for(10s);
    BOOST_REQUIRE(after_notify.has_value() && after_cut.has_value());
    BOOST_TEST((*after_notify == asio::error::eof), after_notify->message());
    BOOST_TEST((*after_cut == asio::ssl::error::stream_truncated), after_cut->message());
}

BOOST_AUTO_TEST_CASE(close_notify_after_a_large_write_arrives_after_the_data) {
    asio::io_context io;
    TlsPair pair(io);
    connect(io, pair);
    const auto sent = pattern(8 * 1024 * 1024, 5);
    std::size_t waited = 0;
    std::optional<error_code> notified, end;
    std::string received;
    spawn(io, [&]() -> asio::awaitable<void> {
        co_await write_like_the_proxy(*pair.server, sent, waited);
        notified = co_await pair.server->send_close_notify();
    });
    spawn(io, [&]() -> asio::awaitable<void> {
        asio::steady_timer pause(io, 300ms);
        co_await pause.async_wait(asio::use_awaitable);
        received = co_await read_all(*pair.client, sent.size());
        std::array<char, 16> buffer;
        auto [ec, n] = co_await pair.client->async_read_some(asio::buffer(buffer), use_tuple);
        end = ec;
    });
    io.run_for(30s);
    BOOST_REQUIRE(notified.has_value() && end.has_value());
    BOOST_TEST(!*notified, notified->message());
    BOOST_TEST((received == sent));
    BOOST_TEST((*end == asio::error::eof), end->message());
}

BOOST_AUTO_TEST_CASE(a_peer_that_never_starts_the_handshake_hits_the_deadline) {
    asio::io_context io;
    TlsPair pair(io);
    std::optional<error_code> result;
    spawn(io, [&]() -> asio::awaitable<void> {
        pair.server->next_layer().expires_after(150ms);
        result = co_await pair.server->handshake(TlsSocket::Side::server);
    });
    io.run_for(5s);
    BOOST_REQUIRE(result.has_value());
    BOOST_TEST((*result == beast::error::timeout), result->message());
}

BOOST_AUTO_TEST_CASE(the_client_checks_the_server_name_and_address) {
    struct Case {
        std::string host;
        bool is_ip;
        bool accepted;
    };
    for (const auto& c : {Case{"localhost", false, true}, Case{"127.0.0.1", true, true},
                          Case{"other.test", false, false}, Case{"127.0.0.2", true, false}}) {
        BOOST_TEST_CONTEXT("expecting " << c.host) {
            asio::io_context io;
            TlsPair pair(io);
            const auto result = handshake(io, pair, c.host, c.is_ip);
            BOOST_REQUIRE(result.client.has_value() && result.server.has_value());
            BOOST_TEST(!*result.client == c.accepted, result.client->message());
            if (!c.accepted) {
                BOOST_TEST(result.client->message().find("certificate verify failed") != std::string::npos);
            }
        }
    }
}
