// Runs the blocking SessionStore calls on a thread of their own, so a worker thread never
// waits on the disk: call() is awaited from any executor and resumes on it. Calls run one
// at a time, in the order they were made. Also checks the store's health every second,
// for /readyz.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "proto_handlers/common/sessions/session_store.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>

namespace tg::sessions {

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

class StoreThread {
public:
    explicit StoreThread(std::unique_ptr<SessionStore> store);
    ~StoreThread();  // stop()s
    StoreThread(const StoreThread&) = delete;
    StoreThread& operator=(const StoreThread&) = delete;

    // Runs what was already posted, then joins. Idempotent.
    void stop();

    // `work(store)` on the store thread; its result, or its exception rethrown, in the caller.
    template <class Work>
    auto call(Work work) -> asio::awaitable<std::invoke_result_t<Work&, SessionStore&>>;

    // Fire and forget: `work(store)` on the store thread; an exception is logged as
    // "session store: <what> failed: ...".
    void post(const char* what, std::function<void(SessionStore&)> work);

    // The last health check's answer (or the last call's, if it failed since).
    bool healthy() const { return healthy_.load(std::memory_order_relaxed); }

private:
    void schedule_health_check();
    void mark_failed() { healthy_.store(false, std::memory_order_relaxed); }

    std::unique_ptr<SessionStore> store_;
    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> work_guard_;
    asio::steady_timer health_timer_{io_};
    std::atomic<bool> healthy_{true};
    std::atomic<bool> stopped_{false};
    std::thread thread_;
};

template <class Work>
auto StoreThread::call(Work work) -> asio::awaitable<std::invoke_result_t<Work&, SessionStore&>> {
    using Result = std::invoke_result_t<Work&, SessionStore&>;
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

}  // namespace tg::sessions
