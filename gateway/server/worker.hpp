// One thread with its own io_context, upstream pools, handler instances and
// statistics. Nothing here is shared with other workers, so the request path takes
// no lock.
#pragma once

#include "gateway/core/request_id.hpp"
#include "gateway/observability/access_log.hpp"
#include "gateway/observability/stats.hpp"
#include "gateway/proxy/upstream_pool.hpp"
#include "gateway/server/idle_connection.hpp"
#include "gateway/server/runtime.hpp"
#include "gateway/server/shared_state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

namespace tg::server {

// What one configuration generation needs on one worker. A request holds its
// generation for its whole life, so a reload never changes a request in flight, and
// the old pools and handlers go away with the last request that used them.
struct WorkerState {
    std::shared_ptr<const Runtime> runtime;
    std::vector<std::unique_ptr<proxy::UpstreamPool>> pools;    // by upstream index
    std::vector<std::unique_ptr<handlers::Handler>> handlers;   // by route index
    std::vector<observability::RouteStats*> route_stats;        // by route index
};

// A connection the worker can close when it drains.
class DrainableSession {
public:
    virtual ~DrainableSession() = default;
    virtual void close_if_idle() = 0;
};

class Worker {
public:
    Worker(unsigned id, std::shared_ptr<const Runtime> runtime, GatewayShared& shared);
    ~Worker();

    boost::asio::io_context& io() { return *io_; }
    GatewayShared& shared() { return shared_; }
    observability::WorkerStats& stats() { return stats_; }
    const observability::WorkerStats& stats() const { return stats_; }
    observability::AccessLogBuffer& access_log() { return access_log_; }
    // The statistics of requests no route took ("(admin)", "(unmatched)"), looked up once.
    observability::RouteStats& unrouted_stats(std::string_view name);

    std::shared_ptr<WorkerState> state() const { return state_; }
    // The current config, without taking a reference on the generation (worker thread only).
    const config::Config& config() const { return *state_->runtime->config; }
    const config::Limits& limits() const { return config().limits; }
    // Switches to a new configuration; call on this worker's thread.
    void apply(std::shared_ptr<const Runtime> runtime);
    // Builds (and drops) a generation for `runtime` to surface what would fail on the
    // worker: a handler that cannot be set up throws here, on the caller's thread.
    void try_build(std::shared_ptr<const Runtime> runtime) { build_state(std::move(runtime)); }
    void next_request_id(std::string& id) { request_ids_.next(id); }

    void add_acceptor(boost::asio::ip::tcp::acceptor* acceptor) { acceptors_.insert(acceptor); }
    void remove_acceptor(boost::asio::ip::tcp::acceptor* acceptor) { acceptors_.erase(acceptor); }
    void add_session(DrainableSession* session);
    void remove_session(DrainableSession* session);
    int open_sessions() const { return open_sessions_.load(std::memory_order_relaxed); }
    // Connections served plus those handed over and not yet started (any thread).
    // `incoming_` is read first and decremented with release after the session is
    // counted, so a connection is never missed by both.
    int load() const {
        const int incoming = incoming_.load(std::memory_order_acquire);
        return incoming + open_sessions();
    }
    void expect_connection() { incoming_.fetch_add(1, std::memory_order_relaxed); }
    void connection_arrived() { incoming_.fetch_sub(1, std::memory_order_release); }
    IdleList& idle_connections() { return idle_connections_; }
    // Drain, on this worker's thread: stop accepting, close idle connections.
    void close_for_drain();

    // `cpu` >= 0: pins the thread to that CPU (a failure is logged, not fatal).
    void start_thread(int cpu = -1);
    void stop();
    void join();

private:
    std::shared_ptr<WorkerState> build_state(std::shared_ptr<const Runtime> runtime);
    boost::asio::awaitable<void> tick();

    unsigned id_;
    GatewayShared& shared_;
    observability::WorkerStats stats_;
    observability::AccessLogBuffer access_log_;
    std::shared_ptr<WorkerState> state_;
    std::map<std::string, observability::RouteStats*, std::less<>> unrouted_stats_;
    RequestIdGenerator request_ids_;
    std::unordered_set<boost::asio::ip::tcp::acceptor*> acceptors_;
    std::unordered_set<DrainableSession*> sessions_;
    std::atomic<int> open_sessions_{0};
    std::atomic<int> incoming_{0};
    IdleList idle_connections_;
    // Destroyed first (see ~Worker): it owns the suspended coroutines, which refer to
    // the state above.
    // One thread runs it; other threads only post to it (reload, drain), so the reactor's
    // per-socket locks are left out.
    std::optional<boost::asio::io_context> io_{std::in_place, BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    std::thread thread_;
};

}  // namespace tg::server
