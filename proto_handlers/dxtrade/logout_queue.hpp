// Ending DXtrade sessions at dxWeb. A logout is tried at once; what dxWeb does not confirm
// is queued -- durably, the store marks the record logout_pending -- and retried with
// exponential backoff (1 s, doubling up to 60 s) until dxWeb confirms it or
// logout.retry_for has passed (by then the unpinged session has long expired).
// Lives on the keepalive thread and uses its dxWeb client; tokens are never logged.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "proto_handlers/common/sessions/session_record.hpp"
#include "proto_handlers/common/sessions/shared_session_store.hpp"
#include "proto_handlers/common/sessions/store_thread.hpp"
#include "proto_handlers/dxtrade/keepalive.hpp"

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tg::dxtrade {

struct LogoutOutcome {
    std::size_t sessions = 0;  // recorded sessions of the user
    std::size_t ended = 0;     // confirmed ended by dxWeb
    std::size_t queued = 0;    // dxWeb did not confirm: queued for retry
    bool finished = true;      // false: still being tried when the caller stopped waiting
};

struct LogoutQueueStats {
    std::uint64_t delivered = 0;  // logouts dxWeb confirmed (at once or on a retry)
    std::uint64_t queued = 0;     // logouts that went into the retry queue
    std::uint64_t given_up = 0;   // dropped after logout.retry_for
    std::uint64_t pending = 0;    // in the queue now
};

class LogoutQueue {
public:
    // All three must outlive the queue; the queue runs on keepalive's thread.
    LogoutQueue(Keepalive& keepalive, sessions::StoreThread& store, const Settings& settings);

    void start();  // the retry loop; once
    void stop();   // thread-safe; the loop ends, what is queued stays in the store

    // On the keepalive thread: ends these sessions (already removed from the keepalive and
    // marked logout_pending in the store); removes what dxWeb confirmed from the store.
    asio::awaitable<LogoutOutcome> log_out(std::vector<sessions::SessionRecord> records, std::string request_id);
    // Thread-safe: queues the records found logout_pending (at start, or in a shard taken
    // over); the first attempt after `first_delay`.
    void resume(std::vector<sessions::SessionRecord> records,
                std::chrono::milliseconds first_delay = std::chrono::milliseconds(0));
    // On the keepalive thread: another replica ended this session; stop trying.
    void forget(sessions::SessionId id);
    // With several replicas: asked on the store thread before each dxWeb logout, so one
    // replica at a time calls it for a session (SharedSessionStore::claim_logout). Set
    // before start().
    using Claim = std::function<sessions::LogoutClaim(sessions::SessionStore&, sessions::SessionId)>;
    void claim_with(Claim claim) { claim_ = std::move(claim); }

    LogoutQueueStats stats() const;
    // True once the retry loop has ended for any reason but stop().
    bool failed() const { return failed_.load(std::memory_order_relaxed); }
    // On the keepalive thread: queued logouts per login and domain.
    std::map<std::pair<std::string, std::string>, std::size_t> pending_by_user() const;

private:
    using Clock = std::chrono::steady_clock;

    struct Target {
        sessions::SessionId id = 0;
        std::string login;
        std::string domain;
        sessions::SecretString token;
    };
    struct Pending {
        Target target;
        Clock::time_point next_attempt;
        Clock::duration backoff;
        Clock::time_point give_up_at;
    };

    asio::awaitable<void> retry_loop();
    // The ids dxWeb confirmed ended (by token one call each, by login one call per user).
    asio::awaitable<std::set<sessions::SessionId>> try_logout(std::vector<Target> targets, std::string request_id);
    void enqueue(Target target, Clock::time_point now);
    Clock::duration max_backoff() const;
    void finish(sessions::SessionId id);
    void publish_pending() { pending_count_.store(pending_.size(), std::memory_order_relaxed); }

    Keepalive& keepalive_;
    sessions::StoreThread& store_;
    const Settings& settings_;
    asio::steady_timer timer_;
    Claim claim_;
    std::map<sessions::SessionId, Pending> pending_;  // keepalive thread only
    // Sessions a log_out is calling dxWeb for now: a standby copy (resume) would log
    // them out a second time. Keepalive thread only.
    std::set<sessions::SessionId> in_flight_;
    bool stopping_ = false;                           // keepalive thread only

    std::atomic<std::uint64_t> delivered_{0};
    std::atomic<std::uint64_t> queued_{0};
    std::atomic<std::uint64_t> given_up_{0};
    std::atomic<std::uint64_t> pending_count_{0};
    std::atomic<bool> failed_{false};
};

}  // namespace tg::dxtrade
