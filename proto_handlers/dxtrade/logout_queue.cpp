#include "proto_handlers/dxtrade/logout_queue.hpp"

#include "gateway/core/log.hpp"
#include "gateway/core/time_format.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>

namespace tg::dxtrade {
namespace {

constexpr auto first_backoff = std::chrono::seconds(1);
constexpr auto longest_backoff = std::chrono::seconds(60);
const std::string retry_request_id = "logout-retry";

std::int64_t unix_millis_after(std::chrono::steady_clock::duration delay) {
    return unix_millis_now() + std::chrono::duration_cast<std::chrono::milliseconds>(delay).count();
}

}  // namespace

LogoutQueue::LogoutQueue(Keepalive& keepalive, sessions::StoreThread& store, const Settings& settings)
    : keepalive_(keepalive), store_(store), settings_(settings), timer_(keepalive.executor()) {}

void LogoutQueue::start() {
    asio::co_spawn(keepalive_.executor(), retry_loop(), [this](std::exception_ptr error) {
        if (!error) return;
        failed_.store(true);
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            log::error("dxtrade logout queue: the retry loop failed: ", e.what());
        } catch (...) {
            log::error("dxtrade logout queue: the retry loop failed");
        }
    });
}

void LogoutQueue::stop() {
    asio::post(keepalive_.executor(), [this] {
        stopping_ = true;
        timer_.cancel();
    });
}

asio::awaitable<LogoutOutcome> LogoutQueue::log_out(std::vector<sessions::SessionRecord> records,
                                                    std::string request_id) {
    LogoutOutcome outcome;
    outcome.sessions = records.size();
    std::vector<Target> targets;
    for (auto& record : records) {
        in_flight_.insert(record.id);
        targets.push_back({record.id, record.login, record.domain, std::move(record.token)});
    }
    const auto ended = co_await try_logout(targets, request_id);
    for (const auto& target : targets) in_flight_.erase(target.id);
    const auto now = Clock::now();
    for (auto& target : targets) {
        if (ended.contains(target.id)) {
            ++outcome.ended;
            finish(target.id);
        } else {
            ++outcome.queued;
            enqueue(std::move(target), now);
        }
    }
    if (outcome.queued > 0) {
        log::warn("request ", request_id, ": dxWeb did not confirm ", outcome.queued, " of ", outcome.sessions,
                  " DXtrade logouts; queued for retry");
    }
    timer_.cancel();  // the loop recomputes its next wake-up
    co_return outcome;
}

void LogoutQueue::resume(std::vector<sessions::SessionRecord> records, std::chrono::milliseconds first_delay) {
    asio::post(keepalive_.executor(), [this, records = std::move(records), first_delay]() mutable {
        const auto now = Clock::now();
        for (auto& record : records) {
            if (pending_.contains(record.id) || in_flight_.contains(record.id)) continue;  // already being tried here
            Pending entry{{record.id, record.login, record.domain, std::move(record.token)},
                          now + first_delay,  // whatever was planned before the restart
                          first_backoff,
                          now + settings_.logout.retry_for};
            pending_.insert_or_assign(record.id, std::move(entry));
        }
        publish_pending();
        timer_.cancel();
    });
}

void LogoutQueue::forget(sessions::SessionId id) {
    if (pending_.erase(id) > 0) publish_pending();
}

void LogoutQueue::enqueue(Target target, Clock::time_point now) {
    const auto id = target.id;
    const auto next = now + first_backoff;
    pending_.insert_or_assign(id, Pending{std::move(target), next, first_backoff, now + settings_.logout.retry_for});
    queued_.fetch_add(1, std::memory_order_relaxed);
    publish_pending();
    const auto next_unix_ms = unix_millis_after(first_backoff);
    store_.post("reschedule a logout", [id, next_unix_ms](sessions::SessionStore& store) {
        store.mark_logout_pending(id, next_unix_ms);
    });
}

void LogoutQueue::finish(sessions::SessionId id) {
    pending_.erase(id);
    delivered_.fetch_add(1, std::memory_order_relaxed);
    publish_pending();
    store_.post("remove a logged-out session", [id](sessions::SessionStore& store) { store.remove(id); });
}

asio::awaitable<std::set<sessions::SessionId>> LogoutQueue::try_logout(std::vector<Target> targets,
                                                                       std::string request_id) {
    std::set<sessions::SessionId> ended;
    auto& client = keepalive_.client();
    std::size_t ended_elsewhere = 0;
    if (claim_) {
        // One replica at a time calls dxWeb for a session; one that is gone was ended elsewhere.
        std::vector<sessions::SessionId> ids;
        for (const auto& target : targets) ids.push_back(target.id);
        std::vector<sessions::LogoutClaim> claims(targets.size(), sessions::LogoutClaim::mine);
        // A named lambda: GCC 12 destroys a temporary in a co_await expression twice.
        auto claim_each = [ids, claim = claim_](sessions::SessionStore& store) {
            std::vector<sessions::LogoutClaim> answers;
            for (const auto id : ids) answers.push_back(claim(store, id));
            return answers;
        };
        try {
            claims = co_await store_.call(std::move(claim_each));
        } catch (const std::exception& e) {
            // Without the shared state a second replica may be at it too: a second logout
            // of a token is harmless, a missing one leaves a trading session open.
            log::warn("request ", request_id, ": cannot claim the DXtrade logouts (", e.what(),
                      "); calling dxWeb anyway");
        }
        std::vector<Target> mine;
        for (std::size_t i = 0; i < targets.size(); ++i) {
            if (claims[i] == sessions::LogoutClaim::gone) ended.insert(targets[i].id);
            if (claims[i] == sessions::LogoutClaim::mine) mine.push_back(std::move(targets[i]));
        }
        targets = std::move(mine);
        ended_elsewhere = ended.size();
    }
    try {
        if (settings_.logout.by == LogoutBy::login) {
            std::map<std::pair<std::string, std::string>, std::vector<sessions::SessionId>> by_user;
            for (const auto& target : targets) by_user[{target.login, target.domain}].push_back(target.id);
            for (auto& [user, ids] : by_user) {
                const auto result = co_await client.logout_by_login(user.first, user.second);
                if (result.ok()) ended.insert(ids.begin(), ids.end());
            }
        } else {
            for (const auto& target : targets) {
                const auto result = co_await client.logout_by_token(target.login, target.domain, target.token.reveal());
                if (result.ok()) ended.insert(target.id);
            }
        }
    } catch (const std::exception& e) {
        // What was not confirmed stays queued.
        log::error("request ", request_id, ": DXtrade logout failed: ", e.what());
    }
    log::info("request ", request_id, ": dxWeb confirmed ", ended.size() - ended_elsewhere, " of ", targets.size(),
              " DXtrade logouts", ended_elsewhere > 0 ? " (others were ended by another replica)" : "");
    co_return ended;
}

asio::awaitable<void> LogoutQueue::retry_loop() {
    for (;;) {
        if (stopping_) co_return;
        const auto now = Clock::now();
        std::vector<Target> due;
        for (auto it = pending_.begin(); it != pending_.end();) {
            auto& entry = it->second;
            if (now >= entry.give_up_at) {
                log::warn("dxtrade: gave up the logout of session ", it->first, " after ",
                          std::chrono::duration_cast<std::chrono::seconds>(settings_.logout.retry_for).count(),
                          " s; it expires unpinged");
                const auto id = it->first;
                store_.post("remove an abandoned logout", [id](sessions::SessionStore& store) { store.remove(id); });
                given_up_.fetch_add(1, std::memory_order_relaxed);
                it = pending_.erase(it);
                continue;
            }
            if (entry.next_attempt <= now) due.push_back(entry.target);
            ++it;
        }
        publish_pending();
        if (!due.empty()) {
            // The next try counts from this one's claims, not from its end: a claim is
            // renewed max_backoff() (half its hold) after it was taken, or when this try
            // ends if its calls take longer than that.
            const auto claimed = Clock::now();
            const auto ended = co_await try_logout(due, retry_request_id);
            for (const auto& target : due) {
                const auto found = pending_.find(target.id);
                if (found == pending_.end()) continue;  // delivered meanwhile by a new logout
                if (ended.contains(target.id)) {
                    finish(target.id);
                    continue;
                }
                auto& entry = found->second;
                entry.backoff = std::min<Clock::duration>(entry.backoff * 2, max_backoff());
                entry.next_attempt = claimed + entry.backoff;
                const auto id = target.id;
                const auto next_unix_ms = unix_millis_after(entry.backoff);
                store_.post("reschedule a logout", [id, next_unix_ms](sessions::SessionStore& store) {
                    store.mark_logout_pending(id, next_unix_ms);
                });
            }
            continue;
        }
        auto next = Clock::time_point::max();
        for (const auto& [id, entry] : pending_) next = std::min(next, entry.next_attempt);
        timer_.expires_at(next);
        auto [ignored] = co_await timer_.async_wait(use_tuple);
        (void)ignored;  // cancelled = something changed: recompute
    }
}

// Retries come while this replica's logout claim still holds, so it renews it.
auto LogoutQueue::max_backoff() const -> Clock::duration {
    return std::min<Clock::duration>(longest_backoff, settings_.logout.claim_hold / 2);
}

LogoutQueueStats LogoutQueue::stats() const {
    LogoutQueueStats stats;
    stats.delivered = delivered_.load(std::memory_order_relaxed);
    stats.queued = queued_.load(std::memory_order_relaxed);
    stats.given_up = given_up_.load(std::memory_order_relaxed);
    stats.pending = pending_count_.load(std::memory_order_relaxed);
    return stats;
}

std::map<std::pair<std::string, std::string>, std::size_t> LogoutQueue::pending_by_user() const {
    std::map<std::pair<std::string, std::string>, std::size_t> counts;
    for (const auto& [id, entry] : pending_) ++counts[{entry.target.login, entry.target.domain}];
    return counts;
}

}  // namespace tg::dxtrade
