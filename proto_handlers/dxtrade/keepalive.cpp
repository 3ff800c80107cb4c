#include "proto_handlers/dxtrade/keepalive.hpp"

#include "gateway/core/time_format.hpp"

#include "gateway/core/log.hpp"
#include "gateway/server/tls.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <exception>
#include <limits>
#include <random>
#include <utility>

namespace tg::dxtrade {

namespace {

constexpr const char* kLogPrefix = "dxtrade keepalive: ";
constexpr const char* kReasonLogout = "logout";
constexpr const char* kReasonGone = "gone";
constexpr const char* kReasonExpired = "expired";
constexpr const char* kReasonMaxAge = "max_age";

const char* reason_name(EndReason reason) {
    switch (reason) {
        case EndReason::logout: return kReasonLogout;
        case EndReason::gone: return kReasonGone;
        case EndReason::expired: return kReasonExpired;
        case EndReason::max_age: return kReasonMaxAge;
    }
    return kReasonGone;
}

sessions::PingResult to_schedule_result(PingResult::Kind kind) {
    switch (kind) {
        case PingResult::Kind::ok: return sessions::PingResult::ok;
        case PingResult::Kind::gone: return sessions::PingResult::session_gone;
        case PingResult::Kind::transient: return sessions::PingResult::transient_failure;
    }
    return sessions::PingResult::transient_failure;
}

sessions::PingPolicy make_policy(const Settings& settings) {
    sessions::PingPolicy policy;
    policy.interval = settings.keepalive.interval.count();
    policy.jitter = settings.keepalive.jitter;
    policy.max_in_flight = settings.keepalive.max_in_flight;
    policy.first_backoff = std::min<sessions::Millis>(policy.first_backoff, std::max<sessions::Millis>(1, policy.interval / 2));
    policy.max_age = settings.keepalive.max_age.count() > 0 ? settings.keepalive.max_age.count() : sessions::kNever;
    policy.seed = std::random_device{}();
    return policy;
}

std::shared_ptr<asio::ssl::context> make_tls(const config::Upstream& upstream) {
    const bool any_tls = std::any_of(upstream.servers.begin(), upstream.servers.end(),
                                     [](const config::UpstreamServer& s) { return s.tls; });
    return any_tls ? server::make_upstream_tls_context(upstream) : nullptr;
}

}  // namespace

std::int64_t KeepaliveStats::lag_quantile_bound(double q) const {
    if (lag_count == 0) return -1;
    const auto wanted = static_cast<std::uint64_t>(q * static_cast<double>(lag_count) + 0.999999);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < lag_buckets.size(); ++i) {
        seen += lag_buckets[i];
        if (seen >= std::max<std::uint64_t>(wanted, 1))
            return i < lag_bounds_ms.size() ? lag_bounds_ms[i] : std::numeric_limits<std::int64_t>::max();
    }
    return std::numeric_limits<std::int64_t>::max();
}

SessionInfo info_of(const sessions::SessionRecord& record) {
    return {record.id, record.login, record.domain, record.token.reveal(), record.created_ms, record.expires_at_s};
}

Keepalive::Keepalive(Settings settings, config::Upstream upstream, std::string password)
    : io_(1),
      work_(asio::make_work_guard(io_)),
      schedule_(make_policy(settings)),
      timer_(io_) {
    first_use_grace_ = settings.keepalive.first_use_grace;
    auto tls = make_tls(upstream);
    pool_ = std::make_unique<proxy::UpstreamPool>(std::move(upstream), std::move(tls), upstream_stats_);
    client_ = std::make_unique<DxWebClient>(std::move(settings), *pool_, std::move(password));
}

Keepalive::~Keepalive() { stop(); }

sessions::Millis Keepalive::now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

void Keepalive::start() {
    std::lock_guard lock(control_mutex_);
    if (started_ || stopped_) return;
    started_ = true;
    asio::co_spawn(io_, run_loop(), [this](std::exception_ptr error) {
        if (error) {
            loop_failed_.store(true);
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                log::error(kLogPrefix, "the loop failed: ", e.what());
            } catch (...) {
                log::error(kLogPrefix, "the loop failed");
            }
        }
        io_.stop();
    });
    thread_ = std::thread([this] { io_.run(); });
}

void Keepalive::stop() {
    std::lock_guard lock(control_mutex_);
    if (stopped_) return;
    stopped_ = true;
    if (!started_) return;
    asio::post(io_, [this] {
        stopping_ = true;
        wake();
    });
    if (thread_.joinable()) thread_.join();
    work_.reset();
}

void Keepalive::add(SessionInfo session, bool spread) {
    asio::post(io_, [this, session = std::move(session), spread]() mutable {
        guarded("add a session", [&] { schedule(std::move(session), spread); });
        wake();  // the loop publishes the stats
    });
}

void Keepalive::add_all(std::vector<SessionInfo> sessions, bool spread, std::chrono::milliseconds spread_within) {
    asio::post(io_, [this, sessions = std::move(sessions), spread, within = spread_within.count()]() mutable {
        guarded("add the stored sessions", [&] {
            sessions_.reserve(sessions_.size() + sessions.size());
            for (auto& session : sessions) schedule(std::move(session), spread, within);
        });
        wake();
    });
}

template <class Work>
void Keepalive::guarded(const char* what, Work&& work) {
    try {
        work();
    } catch (const std::exception& e) {
        log::error(kLogPrefix, "cannot ", what, ": ", e.what());
    } catch (...) {
        log::error(kLogPrefix, "cannot ", what);
    }
}

void Keepalive::schedule(SessionInfo session, bool spread, sessions::Millis spread_within) {
    const auto now = now_ms();
    const auto unix_now = unix_millis_now();
    sessions::Lifetime life{now - std::max<std::int64_t>(0, unix_now - session.created_ms)};
    if (session.expires_at_s > 0) life.expires_at = now + (session.expires_at_s * 1000 - unix_now);
    const auto id = session.id;
    const auto start = spread ? sessions::Start::spread_over_interval : sessions::Start::after_interval;
    if (!schedule_.add(id, now, life, start, spread_within)) {
        log::debug(kLogPrefix, "session ", id, " is already scheduled");
        return;
    }
    sessions_.insert_or_assign(id, std::move(session));
}

void Keepalive::remove(SessionId id) {
    asio::post(io_, [this, id] {
        schedule_.remove(id);
        sessions_.erase(id);
        wake();
    });
}

void Keepalive::ping_only_if(PingFilter filter) {
    asio::post(io_, [this, filter = std::move(filter)]() mutable { ping_filter_ = std::move(filter); });
}

void Keepalive::on_ended(EndedCallback callback) {
    asio::post(io_, [this, callback = std::move(callback)]() mutable { on_ended_ = std::move(callback); });
}

KeepaliveStats Keepalive::stats() const {
    std::lock_guard lock(stats_mutex_);
    return published_;
}

void Keepalive::wake() { timer_.cancel(); }

asio::awaitable<void> Keepalive::run_loop() {
    for (;;) {
        if (stopping_) {
            if (schedule_.in_flight() == 0) break;
            // Let the pings in flight finish: each completion wakes us.
            timer_.expires_at(Clock::time_point::max());
            auto [ignored] = co_await timer_.async_wait(use_tuple);
            (void)ignored;
            continue;
        }
        const auto now = now_ms();
        auto taken = schedule_.take_due(now);
        for (const auto& ended : taken.ended) end_session(ended.id, ended.reason);
        for (const auto& due : taken.pings) {
            record_lag(due.lag);
            const auto found = sessions_.find(due.id);
            if (found == sessions_.end()) {
                // Should not happen: complete it at once so the slot is not leaked.
                schedule_.complete(due.id, sessions::PingResult::ok, now);
                continue;
            }
            if (ping_filter_ && !ping_filter_(due.id)) {
                schedule_.remove(due.id);
                schedule_.complete(due.id, sessions::PingResult::ok, now);  // frees its in-flight slot
                sessions_.erase(found);
                continue;
            }
            const auto& info = found->second;
            asio::co_spawn(io_, ping_one(due.id, info.login, info.domain, info.token), asio::detached);
        }
        publish();
        const auto next = schedule_.next_due();
        if (next.has_value())
            timer_.expires_at(Clock::time_point(std::chrono::milliseconds(*next)));
        else
            timer_.expires_at(Clock::time_point::max());
        auto [ignored] = co_await timer_.async_wait(use_tuple);
        (void)ignored;  // cancelled = woken up: recompute either way
    }
    publish();
}

asio::awaitable<void> Keepalive::ping_one(SessionId id, std::string login, std::string domain, std::string token) {
    PingResult result;
    try {
        result = co_await client_->ping(std::move(login), std::move(domain), std::move(token));
    } catch (const std::exception& e) {
        log::warn(kLogPrefix, "ping of session ", id, " failed: ", e.what());
        result.kind = PingResult::Kind::transient;
    }
    if (result.kind == PingResult::Kind::gone && before_first_use_grace(id)) {
        log::info(kLogPrefix, "session ", id, ": dxWeb says gone within the first-use grace; pinging it again");
        result.kind = PingResult::Kind::transient;
    }
    const auto ended = schedule_.complete(id, to_schedule_result(result.kind), now_ms());
    if (ended.has_value()) end_session(id, *ended);
    wake();
}

bool Keepalive::before_first_use_grace(SessionId id) const {
    const auto found = sessions_.find(id);
    return found != sessions_.end() && unix_millis_now() - found->second.created_ms < first_use_grace_.count();
}

void Keepalive::end_session(SessionId id, EndReason reason) {
    sessions_.erase(id);
    log::info(kLogPrefix, "session ", id, " ended: ", reason_name(reason));
    if (!on_ended_) return;
    try {
        on_ended_(id, reason);
    } catch (const std::exception& e) {
        log::error(kLogPrefix, "on_ended failed: ", e.what());
    } catch (...) {
        log::error(kLogPrefix, "on_ended failed");
    }
}

void Keepalive::record_lag(sessions::Millis lag) {
    std::size_t bucket = 0;
    while (bucket < KeepaliveStats::lag_bounds_ms.size() && lag > KeepaliveStats::lag_bounds_ms[bucket]) ++bucket;
    ++local_.lag_buckets[bucket];
    ++local_.lag_count;
    local_.lag_sum_ms += static_cast<std::uint64_t>(std::max<sessions::Millis>(0, lag));
}

// Exact and free when nothing is due; otherwise a walk over the due entries, so with a
// backlog it is refreshed at most every 100 ms instead of after every ping.
std::size_t Keepalive::queue_depth(sessions::Millis now) {
    const auto next = schedule_.next_due();
    if (!next || *next > now) return last_queue_depth_ = 0;
    if (now - last_queue_depth_at_ < 100) return last_queue_depth_;
    last_queue_depth_at_ = now;
    return last_queue_depth_ = schedule_.queue_depth(now);
}

void Keepalive::publish() {
    KeepaliveStats s = local_;
    s.active_sessions = schedule_.size();
    s.in_flight = schedule_.in_flight();
    s.queue_depth = queue_depth(now_ms());
    static_cast<sessions::PingStats&>(s) = schedule_.stats();
    std::lock_guard lock(stats_mutex_);
    published_ = s;
}

}  // namespace tg::dxtrade
