#include "gateway/server/worker.hpp"

#include "gateway/core/asio_aliases.hpp"
#include "gateway/core/log.hpp"
#include "gateway/server/cpu_affinity.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace tg::server {

Worker::Worker(unsigned id, std::shared_ptr<const Runtime> runtime, GatewayShared& shared)
    : id_(id), shared_(shared), access_log_(shared.access_log.get()), state_(build_state(std::move(runtime))) {
    asio::co_spawn(*io_, tick(), asio::detached);
}

Worker::~Worker() {
    stop();
    join();
    access_log_.flush();
    idle_connections_.clear();  // parked sockets close while their io_context lives
    state_.reset();  // idle upstream sockets close while their io_context lives
    io_.reset();     // destroys suspended sessions, which may still hold a state
}

std::shared_ptr<WorkerState> Worker::build_state(std::shared_ptr<const Runtime> runtime) {
    auto state = std::make_shared<WorkerState>();
    state->runtime = std::move(runtime);
    const auto& config = *state->runtime->config;
    for (std::size_t i = 0; i < state->runtime->upstreams.size(); ++i) {
        const auto& upstream = *state->runtime->upstreams[i];
        state->pools.push_back(std::make_unique<proxy::UpstreamPool>(upstream, state->runtime->upstream_tls[i],
                                                                     stats_.upstream(upstream.name)));
    }
    handlers::UpstreamLookup lookup = [state = state.get()](const std::string& name) -> proxy::UpstreamPool* {
        for (std::size_t i = 0; i < state->runtime->upstreams.size(); ++i) {
            if (state->runtime->upstreams[i]->name == name) return state->pools[i].get();
        }
        return nullptr;
    };
    for (std::size_t i = 0; i < config.routes.size(); ++i) {
        const auto* factory = state->runtime->route_handler[i];
        state->handlers.push_back(factory ? (*factory)({config, config.routes[i], lookup, shared_.shared_state}) : nullptr);
        state->route_stats.push_back(&stats_.route(config.routes[i].name));
    }
    return state;
}

void Worker::apply(std::shared_ptr<const Runtime> runtime) {
    try {
        state_ = build_state(std::move(runtime));
    } catch (const std::exception& e) {
        log::error("worker ", id_, ": keeping the previous config: ", e.what());
    }
}

observability::RouteStats& Worker::unrouted_stats(std::string_view name) {
    auto found = unrouted_stats_.find(name);
    if (found == unrouted_stats_.end()) found = unrouted_stats_.emplace(name, &stats_.route(std::string(name))).first;
    return *found->second;
}

void Worker::add_session(DrainableSession* session) {
    sessions_.insert(session);
    open_sessions_.store(static_cast<int>(sessions_.size()), std::memory_order_relaxed);
}

void Worker::remove_session(DrainableSession* session) {
    sessions_.erase(session);
    open_sessions_.store(static_cast<int>(sessions_.size()), std::memory_order_relaxed);
}

void Worker::close_for_drain() {
    for (auto* acceptor : acceptors_) {
        error_code ignored;
        acceptor->close(ignored);
    }
    acceptors_.clear();
    // close_if_idle may end a session, which removes itself: iterate over a copy.
    const std::vector<DrainableSession*> sessions(sessions_.begin(), sessions_.end());
    for (auto* session : sessions) session->close_if_idle();
}

// Housekeeping every 100 ms. It also keeps the worker's earliest timer at most 100 ms
// away: Asio re-arms its timerfd (a syscall) only when a new timer becomes the earliest,
// so the per-request timeouts (seconds away) no longer cost a syscall each.
asio::awaitable<void> Worker::tick() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        timer.expires_after(std::chrono::milliseconds(100));
        auto [ec] = co_await timer.async_wait(use_tuple);
        if (ec) co_return;
        access_log_.flush();
        idle_connections_.close_expired(std::chrono::steady_clock::now());
    }
}

void Worker::start_thread(int cpu) {
    thread_ = std::thread([this] {
        try {
            io_->run();
        } catch (const std::exception& e) {
            log::error("worker ", id_, " stopped by an unexpected error: ", e.what());
        }
    });
    if (cpu < 0) return;
    if (const auto error = pin_to_cpu(thread_, cpu); !error.empty()) {
        log::warn("worker ", id_, ": cannot pin to CPU ", cpu, ": ", error, "; left unpinned");
    }
}

void Worker::stop() {
    if (io_) io_->stop();
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

}  // namespace tg::server
