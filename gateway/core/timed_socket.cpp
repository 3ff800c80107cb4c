#include "gateway/core/timed_socket.hpp"

namespace tg::detail {

void DeadlineSweep::watch(TimedSocket& socket) {
    if (shut_down_) return;  // the context is being destroyed: nothing runs any more
    sockets_.push_back(socket);
    if (!timer_) timer_.emplace(socket.get_executor());
    if (!armed_) arm();
}

void DeadlineSweep::sweep(std::chrono::steady_clock::time_point now) {
    for (auto it = sockets_.begin(); it != sockets_.end();) {
        auto& socket = *it;
        if (socket.deadline_ > now) {
            ++it;
            continue;
        }
        it = sockets_.erase(it);
        socket.timed_out_ = true;
        error_code ignored;
        socket.socket_.cancel(ignored);
    }
}

// Runs only while a watched operation is pending: an idle worker does not wake up for it.
void DeadlineSweep::arm() {
    armed_ = true;
    timer_->expires_after(period);
    timer_->async_wait([this](error_code ec) {
        armed_ = false;
        if (ec) return;
        sweep(std::chrono::steady_clock::now());
        if (!sockets_.empty()) arm();
    });
}

void DeadlineSweep::shutdown() {
    shut_down_ = true;
    sockets_.clear();
    timer_.reset();
}

}  // namespace tg::detail
