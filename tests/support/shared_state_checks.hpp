// What every shared-state backend must do (gateway/state/shared_state.hpp), checked the
// same way against memory, SQLite and a real Redis.
#pragma once

#include "gateway/state/shared_state.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>

namespace tg::test {

// Runs `awaitable` on `io` until it is done; its result.
template <class T>
T await_on(boost::asio::io_context& io, boost::asio::awaitable<T> awaitable) {
    auto future = boost::asio::co_spawn(io, std::move(awaitable), boost::asio::use_future);
    io.restart();
    io.run_for(std::chrono::seconds(30));
    return future.get();
}

// Values, set-if-absent, claims, compare-and-delete, binary-safe values. Fails the
// current test case on a difference.
void check_shared_state_operations(state::SharedState& state, boost::asio::io_context& io);
// Entries are gone after their time to live, and can then be set again.
void check_shared_state_expiry(state::SharedState& state, boost::asio::io_context& io);

}  // namespace tg::test
