// Runs a blocking store's calls (the DXtrade session store, the SQLite shared state) on a
// thread of their own, so a worker thread never waits on the disk: call() is awaited from
// any executor and resumes on it. Calls run one at a time, in the order they were made.
// Also checks the store's health (`bool Store::healthy() noexcept`) every second, for
// /readyz.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "gateway/core/log.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>

namespace tg::state {

namespace detail {
template <class Result>
struct StoreCallSignature {
    using type = void(std::exception_ptr, Result);
};
template <>
struct StoreCallSignature<void> {
    using type = void(std::exception_ptr);
};
}  // namespace detail

template <class Store>
class StoreThread {
public:
    // `name` starts its log lines ("session store: ... failed").
    explicit StoreThread(std::unique_ptr<Store> store, std::string name = "session store")
        : store_(std::move(store)), name_(std::move(name)), work_guard_(asio::make_work_guard(io_)) {
        healthy_.store(store_->healthy());
        schedule_health_check();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~StoreThread() { stop(); }
    StoreThread(const StoreThread&) = delete;
    StoreThread& operator=(const StoreThread&) = delete;

    // Runs what was already posted, then joins. Idempotent.
    void stop() {
        if (stopped_.exchange(true)) return;
        asio::post(io_, [this] { health_timer_.cancel(); });
        work_guard_.reset();
        if (thread_.joinable()) thread_.join();
    }

    // `work(store)` on the store thread; its result, or its exception rethrown, in the caller.
    template <class Work>
    auto call(Work work) -> asio::awaitable<std::invoke_result_t<Work&, Store&>>;

    // Fire and forget: `work(store)` on the store thread; an exception is logged as
    // "<name>: <what> failed: ...".
    void post(const char* what, std::function<void(Store&)> work) {
        asio::post(io_, [this, what, work = std::move(work)] {
            try {
                work(*store_);
            } catch (const std::exception& e) {
                mark_failed();
                log::error(name_, ": ", what, " failed: ", e.what());
            } catch (...) {
                mark_failed();
                log::error(name_, ": ", what, " failed");
            }
        });
    }

    // The last health check's answer (or the last call's, if it failed since).
    bool healthy() const { return healthy_.load(std::memory_order_relaxed); }

private:
    static constexpr auto health_check_period = std::chrono::seconds(1);

    void schedule_health_check() {
        health_timer_.expires_after(health_check_period);
        health_timer_.async_wait([this](error_code ec) {
            if (ec || stopped_.load()) return;
            const bool now_healthy = store_->healthy();
            if (now_healthy != healthy_.exchange(now_healthy)) {
                log::warn(name_, ": ", now_healthy ? "healthy again" : "health check failed");
            }
            schedule_health_check();
        });
    }
    void mark_failed() { healthy_.store(false, std::memory_order_relaxed); }

    std::unique_ptr<Store> store_;
    std::string name_;
    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> work_guard_;
    asio::steady_timer health_timer_{io_};
    std::atomic<bool> healthy_{true};
    std::atomic<bool> stopped_{false};
    std::thread thread_;
};

template <class Store>
template <class Work>
auto StoreThread<Store>::call(Work work) -> asio::awaitable<std::invoke_result_t<Work&, Store&>> {
    using Result = std::invoke_result_t<Work&, Store&>;
    using Signature = typename detail::StoreCallSignature<Result>::type;
    auto initiate = [this](auto handler, Work work) {
        auto caller = asio::prefer(asio::get_associated_executor(handler), asio::execution::outstanding_work.tracked);
        asio::post(io_, [this, work = std::move(work), handler = std::move(handler), caller]() mutable {
            std::exception_ptr failure;
            if constexpr (std::is_void_v<Result>) {
                try {
                    work(*store_);
                } catch (...) {
                    failure = std::current_exception();
                    mark_failed();
                }
                asio::post(caller, [handler = std::move(handler), failure]() mutable { std::move(handler)(failure); });
            } else {
                Result result{};
                try {
                    result = work(*store_);
                } catch (...) {
                    failure = std::current_exception();
                    mark_failed();
                }
                asio::post(caller, [handler = std::move(handler), failure, result = std::move(result)]() mutable {
                    std::move(handler)(failure, std::move(result));
                });
            }
        });
    };
    return asio::async_initiate<const asio::use_awaitable_t<>, Signature>(std::move(initiate), asio::use_awaitable,
                                                                           std::move(work));
}

}  // namespace tg::state
