#include "proto_handlers/common/sessions/store_thread.hpp"

#include "gateway/core/log.hpp"

namespace tg::sessions {

namespace {
constexpr auto health_check_period = std::chrono::seconds(1);
}

StoreThread::StoreThread(std::unique_ptr<SessionStore> store)
    : store_(std::move(store)), work_guard_(asio::make_work_guard(io_)) {
    healthy_.store(store_->healthy());
    schedule_health_check();
    thread_ = std::thread([this] { io_.run(); });
}

StoreThread::~StoreThread() { stop(); }

void StoreThread::stop() {
    if (stopped_.exchange(true)) return;
    asio::post(io_, [this] { health_timer_.cancel(); });
    work_guard_.reset();
    if (thread_.joinable()) thread_.join();
}

void StoreThread::post(const char* what, std::function<void(SessionStore&)> work) {
    asio::post(io_, [this, what, work = std::move(work)] {
        try {
            work(*store_);
        } catch (const std::exception& e) {
            mark_failed();
            log::error("session store: ", what, " failed: ", e.what());
        } catch (...) {
            mark_failed();
            log::error("session store: ", what, " failed");
        }
    });
}

void StoreThread::schedule_health_check() {
    health_timer_.expires_after(health_check_period);
    health_timer_.async_wait([this](error_code ec) {
        if (ec || stopped_.load()) return;
        const bool now_healthy = store_->healthy();
        if (now_healthy != healthy_.exchange(now_healthy))
            log::warn("session store: ", now_healthy ? "healthy again" : "health check failed");
        schedule_health_check();
    });
}

}  // namespace tg::sessions
