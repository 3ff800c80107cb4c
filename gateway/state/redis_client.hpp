// A Redis connection on a thread of its own, for the shared state's redis backend.
// hiredis (Debian's 0.14, which has no TLS) only encodes commands and parses replies;
// the socket is Asio's, with OpenSSL through asio::ssl for rediss://, so a worker never
// blocks on the network and TLS needs nothing hiredis lacks.
//
// Commands are pipelined on one connection and answered in order. Each has the command
// timeout: a Redis that does not answer in time is taken for broken, its connection is
// closed (every command on it fails with Errc::timeout) and a new one is made. While
// there is no connection, commands fail at once with Errc::unavailable; start() waits for
// the first connection attempt to end, so that is not the case at start-up. Connecting is
// retried with a backoff from 100 ms to 5 s; with sentinels, each attempt first asks
// them for the master's address, so a failover is followed on the next attempt (a
// master that became a replica answers writes with READONLY, which also ends the
// connection).
#pragma once

#include "gateway/config/model.hpp"
#include "gateway/core/asio_aliases.hpp"
#include "gateway/state/shared_state.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct redisReply;

namespace tg::state {

struct ReplyDeleter {
    void operator()(redisReply* reply) const;
};
using RedisReply = std::unique_ptr<redisReply, ReplyDeleter>;

// One command in the Redis protocol (RESP), binary-safe: what `redis-cli --pipe` reads too.
std::string encode_redis_command(const std::vector<std::string>& arguments);

class RedisClient {
public:
    // `password` is the resolved secret (empty: no AUTH).
    RedisClient(config::RedisSettings settings, std::string password);
    ~RedisClient();  // stop()s
    RedisClient(const RedisClient&) = delete;
    RedisClient& operator=(const RedisClient&) = delete;

    void start();
    void stop();

    // One command (its arguments, binary-safe), awaited from any executor; resumes there.
    // An error reply from Redis is returned as a reply (REDIS_REPLY_ERROR).
    asio::awaitable<Result<RedisReply>> command(std::vector<std::string> arguments);

    bool connected() const { return connected_.load(std::memory_order_relaxed); }
    // Why there is no connection ("" when connected); never a password.
    std::string problem() const;
    std::uint64_t reconnects() const { return reconnects_.load(std::memory_order_relaxed); }
    std::uint64_t timeouts() const { return timeouts_.load(std::memory_order_relaxed); }

private:
    struct Connection;
    using Completion = std::function<void(error_code, RedisReply)>;
    struct Pending {
        std::string encoded;
        Completion done;
        std::chrono::steady_clock::time_point deadline;
    };

    asio::awaitable<void> run();
    asio::awaitable<std::unique_ptr<Connection>> connect_any();
    asio::awaitable<std::unique_ptr<Connection>> connect_to(const config::RedisSettings::Server& server,
                                                            bool authenticate);
    asio::awaitable<std::optional<config::RedisSettings::Server>> ask_sentinels();
    asio::awaitable<error_code> serve(Connection& connection);
    asio::awaitable<error_code> write_loop(Connection& connection);
    asio::awaitable<error_code> read_loop(Connection& connection);
    asio::awaitable<error_code> watch_deadlines();
    void submit(std::string encoded, Completion done);
    void fail_all(error_code why);
    void end_first_attempt();
    void set_problem(std::string problem);

    config::RedisSettings settings_;
    std::string password_;
    asio::io_context io_{1};
    // The thread runs until stop(), whatever becomes of the connection loop.
    asio::executor_work_guard<asio::io_context::executor_type> work_{asio::make_work_guard(io_)};
    asio::steady_timer wake_writer_{io_};
    std::deque<Pending> queued_;     // not written yet; client thread only
    std::deque<Pending> in_flight_;  // written, in order; client thread only
    std::atomic<bool> connected_{false};
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> reconnects_{0};
    std::atomic<std::uint64_t> timeouts_{0};
    mutable std::mutex problem_mutex_;
    std::string problem_ = "not connected yet";
    std::promise<void> first_attempt_ended_;
    bool first_attempt_pending_ = true;  // client thread only
    std::thread thread_;
};

}  // namespace tg::state
