// Runs a coroutine on another thread's executor and waits for it at most `deadline`.
// The caller resumes on its own executor either way; work that misses the deadline
// carries on and its result is dropped.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "gateway/core/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>

namespace tg::dxtrade {

template <class T, class Executor>
asio::awaitable<std::optional<T>> finish_within(Executor target, asio::awaitable<T> work,
                                                std::chrono::milliseconds deadline) {
    struct Wait {
        Wait(const asio::any_io_executor& executor, std::chrono::milliseconds deadline) : timer(executor, deadline) {}
        asio::steady_timer timer;
        std::optional<T> result;
    };
    const auto caller = co_await asio::this_coro::executor;
    auto waiting = std::make_shared<Wait>(caller, deadline);
    asio::co_spawn(target, std::move(work), [waiting](std::exception_ptr error, T result) {
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                log::error("dxtrade: a background step failed: ", e.what());
            } catch (...) {
                log::error("dxtrade: a background step failed");
            }
        }
        asio::post(waiting->timer.get_executor(), [waiting, error, result = std::move(result)]() mutable {
            if (!error) waiting->result = std::move(result);
            waiting->timer.cancel();
        });
    });
    co_await waiting->timer.async_wait(use_tuple);
    co_return std::move(waiting->result);
}

}  // namespace tg::dxtrade
