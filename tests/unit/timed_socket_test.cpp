// TimedSocket, the proxy's socket with coarse deadlines: a read past its deadline ends
// with beast::error::timeout within one sweep period, a deadline that ran out while
// nothing was pending ends the next operation, a moved socket keeps its deadline, and
// an io_context with only idle timed sockets left stops by itself (like one with plain
// sockets). Real sockets on loopback.
#define BOOST_TEST_MODULE timed_socket
#include <boost/test/unit_test.hpp>

#include "gateway/core/timed_socket.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>

using namespace tg;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

// A connected pair of sockets on loopback.
struct SocketPair {
    explicit SocketPair(asio::io_context& io) : near(io), far(io) {
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
        near.connect(acceptor.local_endpoint());
        acceptor.accept(far);
    }
    tcp::socket near;
    tcp::socket far;
};

constexpr auto slack = detail::DeadlineSweep::period + 200ms;  // one sweep, plus a loaded machine

// Runs the io_context for at most `limit`; true when it ran out of work by itself.
bool run_until_idle(asio::io_context& io, steady::duration limit) {
    io.run_for(limit);
    return io.stopped();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_read_past_its_deadline_ends_with_a_timeout) {
    asio::io_context io;
    SocketPair pair(io);
    TimedSocket socket(std::move(pair.near));
    error_code result;
    steady::duration took{};
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        std::array<char, 16> buffer;
        const auto start = steady::now();
        socket.expires_after(150ms);
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
        took = steady::now() - start;
        result = ec;
    }, asio::detached);
    BOOST_TEST(run_until_idle(io, 5s));
    BOOST_TEST((result == beast::error::timeout), result.message());
    const auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
    BOOST_TEST(took_ms >= 150);
    BOOST_TEST(took_ms < (150ms + slack).count());
}

BOOST_AUTO_TEST_CASE(data_before_the_deadline_is_read_and_the_deadline_then_does_not_fire) {
    asio::io_context io;
    SocketPair pair(io);
    TimedSocket socket(std::move(pair.near));
    std::size_t got = 0;
    error_code second;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        std::array<char, 16> buffer;
        socket.expires_after(300ms);
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
        got = n;
        // A deadline far away: the write completes, nothing is cancelled later.
        socket.expires_after(10s);
        const auto pong = asio::buffer("pong", 4);
        std::tie(second, std::ignore) = co_await asio::async_write(socket, pong, use_tuple);
    }, asio::detached);
    asio::write(pair.far, asio::buffer("ping", 4));
    BOOST_TEST(run_until_idle(io, 5s));
    BOOST_TEST(got == 4u);
    BOOST_TEST(!second, second.message());
    std::array<char, 4> echoed;
    BOOST_TEST(asio::read(pair.far, asio::buffer(echoed)) == 4u);
}

BOOST_AUTO_TEST_CASE(a_deadline_that_passed_while_idle_ends_the_next_operation) {
    asio::io_context io;
    SocketPair pair(io);
    TimedSocket socket(std::move(pair.near));
    error_code result;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        socket.expires_after(1ms);
        asio::steady_timer pause(socket.get_executor(), 50ms);
        co_await pause.async_wait(use_tuple);  // no operation pending when the deadline passes
        std::array<char, 16> buffer;
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
        result = ec;
    }, asio::detached);
    BOOST_TEST(run_until_idle(io, 5s));
    BOOST_TEST((result == beast::error::timeout), result.message());
}

BOOST_AUTO_TEST_CASE(a_moved_socket_keeps_its_deadline_and_expires_never_lifts_it) {
    asio::io_context io;
    SocketPair first(io);
    SocketPair second(io);
    TimedSocket moved_from(std::move(first.near));
    moved_from.expires_after(100ms);
    TimedSocket moved(std::move(moved_from));
    TimedSocket unlimited(std::move(second.near));
    unlimited.expires_after(100ms);
    unlimited.expires_never();
    error_code moved_result;
    error_code unlimited_result;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        std::array<char, 16> buffer;
        auto [ec, n] = co_await moved.async_read_some(asio::buffer(buffer), use_tuple);
        moved_result = ec;
        // No deadline: still waiting well past the other's; the peer's data ends it.
        asio::steady_timer later(moved.get_executor(), 300ms);
        later.async_wait([&](error_code) { asio::write(second.far, asio::buffer("late", 4)); });
        std::tie(unlimited_result, n) = co_await unlimited.async_read_some(asio::buffer(buffer), use_tuple);
    }, asio::detached);
    BOOST_TEST(run_until_idle(io, 5s));
    BOOST_TEST((moved_result == beast::error::timeout), moved_result.message());
    BOOST_TEST(!unlimited_result, unlimited_result.message());
}

BOOST_AUTO_TEST_CASE(idle_timed_sockets_do_not_keep_the_io_context_running) {
    asio::io_context io;
    SocketPair pair(io);
    TimedSocket socket(std::move(pair.near));
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        socket.expires_after(60s);  // a pooled upstream connection keeps its last deadline
        const auto ping = asio::buffer("ping", 4);
        co_await asio::async_write(socket, ping, use_tuple);
    }, asio::detached);
    const auto start = steady::now();
    BOOST_TEST(run_until_idle(io, 5s));
    const auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
    BOOST_TEST(took_ms < slack.count());
}
