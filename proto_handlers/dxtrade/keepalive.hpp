// The DXtrade ping scheduler's loop (DESIGN.md, "Sessions and the ping scheduler"): one
// timer-driven loop over the PingSchedule min-heap -- not a coroutine or timer per session --
// that dispatches due pings to a bounded set of in-flight requests (keepalive.max_in_flight).
//
// A Keepalive owns one io_context and its thread, its own UpstreamPool for the dxWeb upstream,
// its own DxWebClient and the PingSchedule. Everything runs on that thread; the public methods
// are thread-safe and post into it. Tokens are never logged.
#pragma once

#include "gateway/config/model.hpp"
#include "gateway/core/asio_aliases.hpp"
#include "gateway/observability/stats.hpp"
#include "gateway/proxy/upstream_pool.hpp"
#include "proto_handlers/common/sessions/ping_schedule.hpp"
#include "proto_handlers/common/sessions/session_record.hpp"
#include "proto_handlers/dxtrade/dxweb_client.hpp"
#include "proto_handlers/dxtrade/settings.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace tg::dxtrade {

using SessionId = sessions::SessionId;
using EndReason = sessions::EndReason;

struct SessionInfo {
    SessionId id = 0;
    std::string login;
    std::string domain;
    std::string token;              // never logged
    std::int64_t created_ms = 0;    // Unix time (ms) the session was created
    std::int64_t expires_at_s = 0;  // Unix time (s) of the partner session's expiry claim; 0 = none
};

// What the keepalive needs of a stored session.
SessionInfo info_of(const sessions::SessionRecord& record);

struct KeepaliveStats : sessions::PingStats {
    // Upper bounds (ms, inclusive) of the ping lag buckets; lag_buckets has one more, the overflow.
    static constexpr std::array<std::int64_t, 7> lag_bounds_ms{10, 50, 100, 250, 500, 1000, 5000};

    std::size_t active_sessions = 0;
    std::size_t in_flight = 0;
    std::size_t queue_depth = 0;
    std::array<std::uint64_t, lag_bounds_ms.size() + 1> lag_buckets{};
    std::uint64_t lag_count = 0;
    std::uint64_t lag_sum_ms = 0;

    // The upper bound of the bucket holding the q-quantile (0 < q <= 1) of the lags; -1 when
    // there is none, INT64_MAX when it falls in the overflow bucket.
    [[nodiscard]] std::int64_t lag_quantile_bound(double q) const;
};

class Keepalive {
public:
    using EndedCallback = std::function<void(SessionId, EndReason)>;

    // `upstream` is the dxWeb upstream named by settings.upstream; `password` the API password.
    Keepalive(Settings settings, config::Upstream upstream, std::string password);
    ~Keepalive();  // stop()s

    Keepalive(const Keepalive&) = delete;
    Keepalive& operator=(const Keepalive&) = delete;

    // Starts the thread and the loop. Once; calls after the first do nothing.
    void start();
    // Stops the loop, lets the pings in flight finish (bounded by the upstream timeouts) and
    // joins the thread. Idempotent. Added sessions are not logged out.
    void stop();

    // Starts pinging a session. spread: the first ping somewhere within one interval (a reload
    // on start); otherwise one jittered interval from now (a fresh login).
    void add(SessionInfo session, bool spread);
    // add() for many sessions at once (the reload at start): one hand-over to the thread.
    // `spread_within` narrows the spreading window below one interval (a take-over).
    void add_all(std::vector<SessionInfo> sessions, bool spread,
                 std::chrono::milliseconds spread_within = std::chrono::milliseconds(0));
    // Stops pinging a session (logout); on_ended is not called for it.
    void remove(SessionId id);
    // Invoked on the keepalive thread when a session ends: gone, expired or max_age.
    void on_ended(EndedCallback callback);
    // Asked on the keepalive thread as each ping is about to go: false drops the session
    // from this keepalive without a ping (with several replicas: its shard is not ours).
    using PingFilter = std::function<bool(SessionId)>;
    void ping_only_if(PingFilter filter);

    [[nodiscard]] KeepaliveStats stats() const;
    // False once the loop has ended for any reason but stop().
    [[nodiscard]] bool healthy() const { return !loop_failed_.load(std::memory_order_relaxed); }

    // The keepalive thread, and what may be used only on it: its dxWeb client (which
    // other DXtrade calls share, so they share its pooled connections and API session)
    // and the sessions being pinged.
    asio::io_context::executor_type executor() { return io_.get_executor(); }
    DxWebClient& client() { return *client_; }
    const std::unordered_map<SessionId, SessionInfo>& sessions() const { return sessions_; }

private:
    using Clock = std::chrono::steady_clock;

    static sessions::Millis now_ms();
    void schedule(SessionInfo session, bool spread, sessions::Millis spread_within = 0);  // keepalive thread
    template <class Work>
    static void guarded(const char* what, Work&& work);  // logs what throws instead of ending the thread
    asio::awaitable<void> run_loop();
    asio::awaitable<void> ping_one(SessionId id, std::string login, std::string domain, std::string token);
    // Launched less than keepalive.first_use_grace ago (Settings::Keepalive).
    bool before_first_use_grace(SessionId id) const;
    void end_session(SessionId id, EndReason reason);
    void record_lag(sessions::Millis lag);
    void wake();
    void publish();
    std::size_t queue_depth(sessions::Millis now);

    asio::io_context io_;  // first: destroyed last
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    observability::UpstreamStats upstream_stats_;
    std::chrono::milliseconds first_use_grace_{};
    std::unique_ptr<proxy::UpstreamPool> pool_;
    std::unique_ptr<DxWebClient> client_;
    sessions::PingSchedule schedule_;
    asio::steady_timer timer_;
    std::unordered_map<SessionId, SessionInfo> sessions_;  // keepalive thread only
    EndedCallback on_ended_;                                 // keepalive thread only
    PingFilter ping_filter_;                                 // keepalive thread only
    bool stopping_ = false;                                  // keepalive thread only
    KeepaliveStats local_;                                   // keepalive thread only: lag histogram
    std::size_t last_queue_depth_ = 0;                       // keepalive thread only
    sessions::Millis last_queue_depth_at_ = 0;               // keepalive thread only

    std::atomic<bool> loop_failed_{false};
    mutable std::mutex stats_mutex_;
    KeepaliveStats published_;  // under stats_mutex_

    std::mutex control_mutex_;  // start/stop
    bool started_ = false;
    bool stopped_ = false;
    std::thread thread_;
};

}  // namespace tg::dxtrade
