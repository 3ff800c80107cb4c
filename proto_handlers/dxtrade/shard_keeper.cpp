#include "proto_handlers/dxtrade/shard_keeper.hpp"

#include "gateway/core/log.hpp"
#include "gateway/core/time_format.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <utility>

namespace tg::dxtrade {
namespace {

constexpr const char* log_prefix = "dxtrade shards: ";
const std::string members_key = "dxtrade:members";

sessions::Millis steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

template <class Coroutine>
void spawn_logged(asio::io_context::executor_type executor, Coroutine coroutine, std::atomic<bool>* failed) {
    asio::co_spawn(executor, std::move(coroutine), [failed](std::exception_ptr error) {
        if (!error) return;
        if (failed) failed->store(true);
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            log::error(log_prefix, "the loop ended: ", e.what());
        }
    });
}

}  // namespace

std::string random_suffix() {
    std::array<char, 9> suffix{};
    std::snprintf(suffix.data(), suffix.size(), "%08x", static_cast<unsigned>(std::random_device{}()));
    return suffix.data();
}

std::string default_replica_name() {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
    std::string name = host[0] ? host.data() : "gateway";
    return name + "-" + std::to_string(::getpid());
}

ShardKeeper::ShardKeeper(Keepalive& keepalive, LogoutQueue& logouts, sessions::StoreThread& store,
                         sessions::SharedSessionStore& shared, state::SharedState& state, const Settings& settings,
                         std::string replica_name)
    : keepalive_(keepalive),
      logouts_(logouts),
      store_(store),
      shared_(shared),
      state_(state),
      settings_(settings),
      // The owner in the store is the name and a random suffix: two processes given the
      // same replica_name still never hold one lease together.
      leases_(std::move(replica_name) + "#" + random_suffix(), shared.shards(), settings.session_store.lease_ttl.count()),
      timer_(keepalive.executor()),
      guard_timer_(keepalive.executor()),
      loader_timer_(keepalive.executor()),
      inbox_timer_(keepalive.executor()) {}

void ShardKeeper::start() {
    log::info(log_prefix, "replica ", name(), " shares ", shared_.shards(), " shards, leases of ", leases_.ttl(),
              " ms renewed every ", leases_.renew_every(), " ms");
    // Sessions of a shard this replica does not hold (any more) are never pinged here,
    // whatever queued their add.
    keepalive_.ping_only_if([this](sessions::SessionId id) { return pings(id); });
    spawn_logged(keepalive_.executor(), run(), &failed_);
    spawn_logged(keepalive_.executor(), guard(), &failed_);
    spawn_logged(keepalive_.executor(), loader(), &failed_);
    spawn_logged(keepalive_.executor(), inbox_reader(), &failed_);
}

std::chrono::milliseconds ShardKeeper::takeover_spread(sessions::Millis acquired) const {
    // A shard is claimed at most lease_ttl + one round after its owner's last renewal:
    // the first pings go within what is left of one interval after that, less the time
    // the load took (never less than a tenth of the interval).
    const auto interval = settings_.keepalive.interval.count();
    const auto window = interval - leases_.renew_every() - interval / 10 - (steady_ms() - acquired);
    return std::chrono::milliseconds(std::max(window, interval / 10));
}

asio::awaitable<void> ShardKeeper::run() {
    while (!stopping_) {
        try {
            co_await round();
        } catch (const std::exception& e) {
            log::error(log_prefix, "a round failed: ", e.what());
        }
        if (stopping_) break;
        timer_.expires_after(std::chrono::milliseconds(leases_.renew_every()));
        auto [ignored] = co_await timer_.async_wait(use_tuple);
        (void)ignored;
    }
}

// Apart from the rounds: a slow store (the store thread busy with loads and removals) must
// never hold up a lease's renewal.
asio::awaitable<void> ShardKeeper::inbox_reader() {
    while (!stopping_) {
        for (const auto shard : leases_.held()) {
            if (stopping_) co_return;
            // A shard's inbox is read once it is loaded: what changed during the load comes after it.
            if (loaded_.contains(shard)) co_await read_inbox(shard);
        }
        inbox_timer_.expires_after(std::chrono::milliseconds(leases_.renew_every()));
        auto [ignored] = co_await inbox_timer_.async_wait(use_tuple);
        (void)ignored;
    }
}

asio::awaitable<void> ShardKeeper::guard() {
    while (!stopping_) {
        drop_expired();
        guard_timer_.expires_after(std::chrono::milliseconds(leases_.ttl() / 10 + 1));
        auto [ignored] = co_await guard_timer_.async_wait(use_tuple);
        (void)ignored;
    }
}

asio::awaitable<void> ShardKeeper::loader() {
    while (!stopping_) {
        if (to_load_.empty()) {
            loader_timer_.expires_at(std::chrono::steady_clock::time_point::max());
            auto [ignored] = co_await loader_timer_.async_wait(use_tuple);  // cancelled: work, or stop
            (void)ignored;
            continue;
        }
        const auto shard = to_load_.front();
        to_load_.pop_front();
        if (!leases_.holds(shard, steady_ms()) || loaded_.contains(shard)) continue;
        try {
            co_await take_over(shard);
        } catch (const std::exception& e) {
            log::error(log_prefix, "taking shard ", shard, " over failed: ", e.what());
        }
    }
}

void ShardKeeper::drop(unsigned shard) {
    leases_.drop(shard);
    stop_pinging(shard);
}

void ShardKeeper::drop_expired() {
    for (const auto shard : leases_.expire(steady_ms())) {
        stop_pinging(shard);
        leases_lost_.fetch_add(1, std::memory_order_relaxed);
        log::warn(log_prefix, "the lease of shard ", shard, " could not be renewed in time; its pings stop here");
    }
    shards_held_.store(leases_.held().size(), std::memory_order_relaxed);
}

asio::awaitable<std::vector<std::string>> ShardKeeper::live_members() {
    std::vector<std::string> live;
    const auto heartbeat = co_await state_.claim(member_key(name()), name(), std::chrono::milliseconds(leases_.ttl()));
    if (!heartbeat || !*heartbeat) co_return live;  // not a member this round: claim nothing
    const auto joined = co_await state_.set_add(members_key, name());
    if (!joined) co_return live;
    auto listed = co_await state_.set_members(members_key);
    if (!listed) co_return live;
    for (auto& member : *listed) {
        if (member == name()) {
            live.push_back(std::move(member));
            continue;
        }
        const auto alive = co_await state_.get(member_key(member));
        if (!alive) co_return std::vector<std::string>();  // a partial view would move shards for nothing
        if (*alive == member) {
            live.push_back(std::move(member));
        } else if (!alive->has_value()) {
            co_await state_.set_remove(members_key, member);  // gone: its key ran out
        }
    }
    co_return live;
}

asio::awaitable<void> ShardKeeper::round() {
    drop_expired();
    const auto members = co_await live_members();
    members_.store(members.size(), std::memory_order_relaxed);
    if (stopping_) co_return;
    const auto plan = leases_.plan(members);
    const std::chrono::milliseconds ttl(leases_.ttl());
    for (const auto shard : plan.claim) {
        const auto sent = steady_ms();
        const auto claimed = co_await state_.claim(lease_key(shard), name(), ttl);
        if (stopping_) co_return;
        if (!claimed) continue;  // the store failed: the lease runs out unless a later try works
        if (*claimed) {
            if (leases_.renewed(shard, sent)) {
                acquired_at_[shard] = sent;
                to_load_.push_back(shard);
                loader_timer_.cancel();
            }
        } else if (leases_.drop(shard)) {
            stop_pinging(shard);
            leases_lost_.fetch_add(1, std::memory_order_relaxed);
            log::warn(log_prefix, "shard ", shard, " is held by another replica; its pings stop here");
        }
    }
    std::string handed;
    for (const auto shard : plan.release) {
        drop(shard);
        co_await state_.remove_if(lease_key(shard), name());
        hand_overs_.fetch_add(1, std::memory_order_relaxed);
        handed += (handed.empty() ? "" : " ") + std::to_string(shard);
    }
    if (!handed.empty()) log::info(log_prefix, "handed shards ", handed, " over to their favourite replicas");
    shards_held_.store(leases_.held().size(), std::memory_order_relaxed);
}

asio::awaitable<void> ShardKeeper::take_over(unsigned shard) {
    sessions::LoadResult loaded;
    bool load_failed = false;
    try {
        auto& shared = shared_;
        auto load = [&shared, shard](sessions::SessionStore&) { return shared.load_shard(shard); };
        loaded = co_await store_.call(std::move(load));
    } catch (const std::exception& e) {
        log::error(log_prefix, "cannot load shard ", shard, ": ", e.what());
        load_failed = true;
    }
    if (load_failed) {
        // Not loaded, not held: the lease goes back and the next round tries again.
        drop(shard);
        co_await state_.remove_if(lease_key(shard), name());
        co_return;
    }
    if (!leases_.holds(shard, steady_ms())) co_return;  // lost while loading: another replica has it
    loaded_.insert(shard);
    const auto now = unix_millis_now();
    std::vector<SessionInfo> live;
    std::vector<sessions::SessionRecord> pending;
    // Records this replica cannot decrypt stay: another replica may hold the right key,
    // and a record ends by its own expiry anyway.
    if (!loaded.undecryptable.empty()) {
        log::error(log_prefix, "shard ", shard, ": ", loaded.undecryptable.size(),
                   " sessions do not decrypt with this replica's session_store.key; left for a replica that can");
    }
    std::vector<sessions::SessionId> over;
    for (auto& record : loaded.records) {
        if (record.logout_pending) {
            pending.push_back(std::move(record));
        } else if (record.live_at(now)) {
            live.push_back(info_of(record));
        } else {
            over.push_back(record.id);
        }
    }
    const auto resumed = live.size();
    const auto spread = takeover_spread(acquired_at_[shard]);
    keepalive_.add_all(std::move(live), true, spread);
    const auto queued = pending.size();
    if (!pending.empty()) logouts_.resume(std::move(pending));
    if (!over.empty()) {
        store_.post("remove ended sessions of a shard taken over", [over](sessions::SessionStore& store) {
            for (const auto id : over) store.remove(id);
        });
    }
    take_overs_.fetch_add(1, std::memory_order_relaxed);
    // An empty shard's take-over is routine (every start has dozens): not worth a line.
    log::emit(resumed + queued > 0 ? log::Level::info : log::Level::debug, log_prefix, "took shard ", shard,
              " over: ", resumed, " sessions (first pings within ", spread.count(), " ms), ", queued, " queued logouts");
}

asio::awaitable<void> ShardKeeper::read_inbox(unsigned shard) {
    using Changed = std::vector<std::pair<sessions::SessionId, std::optional<sessions::SessionRecord>>>;
    Changed changed;
    try {
        auto& shared = shared_;
        auto take = [&shared, shard](sessions::SessionStore&) {
            const auto ids = shared.take_inbox(shard);
            std::vector<std::optional<sessions::SessionRecord>> records;
            try {
                records = shared.find_many(ids);
            } catch (const std::exception&) {
                for (const auto id : ids) shared.notify(shard, id);  // taken but not read: back for the next round
                throw;
            }
            Changed found;
            for (std::size_t i = 0; i < ids.size(); ++i) found.emplace_back(ids[i], std::move(records[i]));
            return found;
        };
        changed = co_await store_.call(std::move(take));
    } catch (const std::exception& e) {
        log::error(log_prefix, "cannot read the inbox of shard ", shard, ": ", e.what());
        co_return;
    }
    if (!leases_.holds(shard, steady_ms())) {
        // Lost while reading: the changes go back for the shard's next owner.
        std::vector<sessions::SessionId> ids;
        for (const auto& [id, record] : changed) ids.push_back(id);
        auto& shared = shared_;
        store_.post("return a shard's inbox", [&shared, shard, ids](sessions::SessionStore&) {
            for (const auto id : ids) shared.notify(shard, id);
        });
        co_return;
    }
    const auto now = unix_millis_now();
    for (auto& [id, record] : changed) {
        if (record && record->live_at(now)) {
            if (!keepalive_.sessions().contains(id)) keepalive_.add(info_of(*record), false);
            continue;
        }
        keepalive_.remove(id);
        if (!record) {
            logouts_.forget(id);
        } else if (record->logout_pending) {
            // The replica that queued it is at it; this one stands by in case it dies.
            std::vector<sessions::SessionRecord> standby{std::move(*record)};
            logouts_.resume(std::move(standby), settings_.logout.wait);
        }
    }
}

void ShardKeeper::stop_pinging(unsigned shard) {
    loaded_.erase(shard);
    for (const auto& [id, session] : keepalive_.sessions()) {
        if (shared_.shard_of(id) == shard) keepalive_.remove(id);
    }
}

sessions::SessionId ShardKeeper::new_session_id() {
    const auto held = leases_.held();
    const auto shard = held.empty() ? static_cast<unsigned>(random_() % shared_.shards()) : held[random_() % held.size()];
    // 52 random bits above the shard: ids of replicas never meet in practice, and the
    // store refuses the rare one that is taken (the launch then fails with a 503 page).
    const auto high = (random_() >> 12) | 1;
    return high * shared_.shards() + shard;
}

bool ShardKeeper::pings(sessions::SessionId id) const { return leases_.holds(shared_.shard_of(id), steady_ms()); }

asio::awaitable<bool> ShardKeeper::release_all() {
    bool all_released = true;
    for (const auto shard : leases_.held()) {
        drop(shard);
        const auto released = co_await state_.remove_if(lease_key(shard), name());
        all_released = all_released && released.has_value();
        hand_overs_.fetch_add(1, std::memory_order_relaxed);
    }
    shards_held_.store(0, std::memory_order_relaxed);
    const auto left = co_await state_.remove_if(member_key(name()), name());
    const auto unlisted = co_await state_.set_remove(members_key, name());
    co_return all_released && left.has_value() && unlisted.has_value();
}

void ShardKeeper::hand_over() {
    auto released = asio::co_spawn(
        keepalive_.executor(),
        [this]() -> asio::awaitable<bool> {
            stopping_ = true;
            timer_.cancel();
            guard_timer_.cancel();
            loader_timer_.cancel();
            inbox_timer_.cancel();
            co_return co_await release_all();
        },
        asio::use_future);
    if (released.wait_for(std::chrono::seconds(3)) != std::future_status::ready) {
        log::warn(log_prefix, "the hand-over did not finish within 3 s; the leases run out instead");
        return;
    }
    try {
        if (released.get()) {
            log::info(log_prefix, "replica ", name(), " handed its shards over");
        } else {
            log::warn(log_prefix, "replica ", name(), " stopped pinging; the shared state did not take the "
                      "hand-over, so the other replicas take its shards when the leases run out");
        }
    } catch (const std::exception& e) {
        log::warn(log_prefix, "the hand-over failed (", e.what(), "); the leases run out instead");
    }
}

ShardKeeperStats ShardKeeper::stats() const {
    ShardKeeperStats stats;
    stats.shards_held = shards_held_.load(std::memory_order_relaxed);
    stats.members = members_.load(std::memory_order_relaxed);
    stats.take_overs = take_overs_.load(std::memory_order_relaxed);
    stats.hand_overs = hand_overs_.load(std::memory_order_relaxed);
    stats.leases_lost = leases_lost_.load(std::memory_order_relaxed);
    return stats;
}

}  // namespace tg::dxtrade
