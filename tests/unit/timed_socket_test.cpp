// TimedSocket, the proxy's socket with coarse deadlines: a read past its deadline ends
// with beast::error::timeout within one sweep period, a deadline that ran out while
// nothing was pending ends the next operation, a moved socket keeps its deadline, and
// an io_context with only idle timed sockets left stops by itself (like one with plain
// sockets); reads that know the socket is empty miss no data. Real sockets on loopback.
#define BOOST_TEST_MODULE timed_socket
#include <boost/test/unit_test.hpp>

#include "gateway/core/timed_socket.hpp"
#include "tests/support/socket_pair.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace tg;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

using test::SocketPair;

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

// Reads remember when they emptied the socket (reactor_op.hpp): the next read then
// waits for the readiness edge instead of trying a recv first. Whatever the order of
// data, reads and event-loop turns, no data may be missed or wait for more data.
namespace {

using Buffer = std::array<char, 64>;

// Reads once and returns what came, or the error's message.
asio::awaitable<std::string> read_once(TimedSocket& socket, Buffer& buffer) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
    co_return ec ? ec.message() : std::string(buffer.data(), n);
}

// Sends `text` from `far` at once (it reaches the loopback peer's queue before this returns).
void send_now(tcp::socket& far, std::string_view text) { asio::write(far, asio::buffer(text)); }

}  // namespace

BOOST_AUTO_TEST_CASE(data_that_arrives_between_reads_after_a_short_read_is_read) {
    asio::io_context io;
    SocketPair pair(io);
    TimedSocket socket(std::move(pair.near));
    std::vector<std::string> got;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        Buffer buffer;
        socket.expires_after(5s);
        send_now(pair.far, "first");
        got.push_back(co_await read_once(socket, buffer));  // short: the socket is now empty
        // Data arrives while no read is pending, and the worker goes on with other work
        // (several event-loop turns, so the readiness edge is seen with nothing waiting).
        send_now(pair.far, "second");
        for (int i = 0; i < 3; ++i) co_await asio::post(io, asio::use_awaitable);
        asio::steady_timer pause(io, 20ms);
        co_await pause.async_wait(use_tuple);
        got.push_back(co_await read_once(socket, buffer));
        // Data sent in the same turn as the read starts, before it is queued.
        send_now(pair.far, "third");
        got.push_back(co_await read_once(socket, buffer));
    }, asio::detached);
    io.run_for(5s);
    const std::vector<std::string> expected{"first", "second", "third"};
    BOOST_TEST(got == expected, boost::test_tools::per_element());
}

// An empty read completes at once, as Asio's own, also when the socket is known empty.
BOOST_AUTO_TEST_CASE(a_zero_length_read_after_a_short_read_completes_at_once) {
    asio::io_context io;
    SocketPair pair(io);
    TimedSocket socket(std::move(pair.near));
    std::optional<error_code> empty_read;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        Buffer buffer;
        socket.expires_after(5s);
        send_now(pair.far, "first");
        BOOST_TEST(co_await read_once(socket, buffer) == "first");  // short: the socket is now empty
        auto [ec, n] = co_await socket.async_read_some(asio::mutable_buffer(), use_tuple);
        empty_read = ec;
        BOOST_TEST(n == 0u);
    }, asio::detached);
    io.run_for(2s);
    BOOST_REQUIRE(empty_read.has_value());
    BOOST_TEST(empty_read->message() == error_code{}.message());
}

BOOST_AUTO_TEST_CASE(a_read_waiting_on_an_empty_socket_completes_when_data_comes) {
    asio::io_context io;
    SocketPair pair(io);
    TimedSocket socket(std::move(pair.near));
    std::vector<std::string> got;
    asio::steady_timer later(io);
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        Buffer buffer;
        socket.expires_after(5s);
        send_now(pair.far, "ping");
        got.push_back(co_await read_once(socket, buffer));
        later.expires_after(50ms);
        later.async_wait([&](error_code) { send_now(pair.far, "pong"); });
        got.push_back(co_await read_once(socket, buffer));
        later.expires_after(50ms);
        later.async_wait([&](error_code) { pair.far.shutdown(tcp::socket::shutdown_send); });
        got.push_back(co_await read_once(socket, buffer));
    }, asio::detached);
    io.run_for(5s);
    const std::vector<std::string> expected{"ping", "pong", error_code(asio::error::eof).message()};
    BOOST_TEST(got == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_read_that_fills_its_buffer_is_followed_by_the_rest_at_once) {
    asio::io_context io;
    SocketPair pair(io);
    TimedSocket socket(std::move(pair.near));
    std::string got;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        std::array<char, 4> buffer;
        socket.expires_after(5s);
        send_now(pair.far, "0123456789");
        while (got.size() < 10) {
            auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
            if (ec) co_return;
            got.append(buffer.data(), n);
        }
    }, asio::detached);
    io.run_for(5s);
    BOOST_TEST(got == "0123456789");
}

BOOST_AUTO_TEST_CASE(a_read_cancelled_through_its_slot_leaves_the_socket_readable) {
    using namespace asio::experimental::awaitable_operators;
    asio::io_context io;
    SocketPair pair(io);
    TimedSocket socket(std::move(pair.near));
    std::size_t winner = 99;
    std::string after;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        Buffer buffer;
        socket.expires_after(5s);
        send_now(pair.far, "x");
        co_await read_once(socket, buffer);
        asio::steady_timer timer(io, 30ms);
        auto race = co_await (socket.async_read_some(asio::buffer(buffer), use_tuple) || timer.async_wait(use_tuple));
        winner = race.index();
        send_now(pair.far, "after");
        after = co_await read_once(socket, buffer);
    }, asio::detached);
    io.run_for(5s);
    BOOST_TEST(winner == 1u);  // the timer: the read was cancelled, not completed
    BOOST_TEST(after == "after");
}

BOOST_AUTO_TEST_CASE(a_read_on_a_closed_socket_fails_at_once) {
    asio::io_context io;
    SocketPair pair(io);
    TimedSocket socket(std::move(pair.near));
    socket.socket().close();
    error_code result;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        Buffer buffer;
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
        result = ec;
    }, asio::detached);
    BOOST_TEST(run_until_idle(io, 5s));
    BOOST_TEST((result == asio::error::bad_descriptor), result.message());
}
