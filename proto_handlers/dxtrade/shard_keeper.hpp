// With session_store.kind "shared": the replicas share the pings by shard leases
// (common/sessions/shard_leases.hpp has the rules; README §5, "Several replicas", the
// failure cases). Runs on the keepalive thread, every lease_ttl / 3:
//   - keeps this replica's membership key alive and reads the live members;
//   - claims or renews the leases of its favourite shards; a shard newly held is loaded
//     from the store and its sessions' first pings are spread so that none waits more
//     than lease_ttl + interval after its old owner died; its queued logouts are resumed;
//   - hands over what is another member's favourite now (a replica joined);
//   - reads the inboxes of its shards: sessions launched or ended by other replicas.
// A lease that could not be renewed in time is dropped (its pings stop) before it can
// expire in the store. hand_over() (SIGTERM) releases everything at once.
#pragma once

#include "gateway/state/shared_state.hpp"
#include "proto_handlers/common/sessions/shard_leases.hpp"
#include "proto_handlers/common/sessions/shared_session_store.hpp"
#include "proto_handlers/common/sessions/store_thread.hpp"
#include "proto_handlers/dxtrade/keepalive.hpp"
#include "proto_handlers/dxtrade/logout_queue.hpp"

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <optional>
#include <random>
#include <string>

namespace tg::dxtrade {

struct ShardKeeperStats {
    std::size_t shards_held = 0;
    std::size_t members = 0;
    std::uint64_t take_overs = 0;
    std::uint64_t hand_overs = 0;
    std::uint64_t leases_lost = 0;  // dropped because they could not be renewed in time
};

class ShardKeeper {
public:
    // All references outlive the keeper. `shared` is the store `store` runs.
    ShardKeeper(Keepalive& keepalive, LogoutQueue& logouts, sessions::StoreThread& store,
                sessions::SharedSessionStore& shared, state::SharedState& state, const Settings& settings,
                std::string replica_name);

    void start();  // the loop, on the keepalive thread
    // Stops the loop and releases every lease and the membership: the other replicas take
    // the sessions on their next round. Waits for the shared state at most 3 s.
    void hand_over();

    const std::string& name() const { return leases_.me(); }
    // Keepalive thread: a new session's id, in a shard this replica holds when it holds one.
    sessions::SessionId new_session_id();
    // Keepalive thread: whether this replica pings the shard of `id` now.
    bool pings(sessions::SessionId id) const;

    ShardKeeperStats stats() const;
    bool failed() const { return failed_.load(std::memory_order_relaxed); }

private:
    asio::awaitable<void> run();
    // Drops the leases that ran out, however long a round or a load takes.
    asio::awaitable<void> guard();
    // Loads the shards newly held, one at a time, while the rounds go on renewing.
    asio::awaitable<void> loader();
    // Reads the inboxes of the shards held and loaded, every lease_ttl / 3.
    asio::awaitable<void> inbox_reader();
    asio::awaitable<void> round();
    asio::awaitable<std::vector<std::string>> live_members();
    asio::awaitable<void> take_over(unsigned shard);
    asio::awaitable<void> read_inbox(unsigned shard);
    asio::awaitable<bool> release_all();  // false when the store did not take it all
    void stop_pinging(unsigned shard);  // and forgets that it was loaded
    void drop(unsigned shard);          // no longer held: its pings stop
    void drop_expired();
    // What is left of the spreading window for a shard claimed at `acquired` (steady ms).
    std::chrono::milliseconds takeover_spread(sessions::Millis acquired) const;

    std::string lease_key(unsigned shard) const { return "dxtrade:lease:" + std::to_string(shard); }
    std::string member_key(const std::string& member) const { return "dxtrade:member:" + member; }

    Keepalive& keepalive_;
    LogoutQueue& logouts_;
    sessions::StoreThread& store_;
    sessions::SharedSessionStore& shared_;
    state::SharedState& state_;
    const Settings& settings_;
    sessions::ShardLeases leases_;  // keepalive thread only
    asio::steady_timer timer_;
    asio::steady_timer guard_timer_;
    asio::steady_timer loader_timer_;
    asio::steady_timer inbox_timer_;
    std::deque<unsigned> to_load_;  // keepalive thread only: held, not loaded yet
    std::map<unsigned, sessions::Millis> acquired_at_;  // keepalive thread only: when each was claimed
    std::set<unsigned> loaded_;     // keepalive thread only: held and loaded
    std::mt19937_64 random_{std::random_device{}()};
    bool stopping_ = false;  // keepalive thread only

    std::atomic<bool> failed_{false};
    std::atomic<std::size_t> shards_held_{0};
    std::atomic<std::size_t> members_{0};
    std::atomic<std::uint64_t> take_overs_{0};
    std::atomic<std::uint64_t> hand_overs_{0};
    std::atomic<std::uint64_t> leases_lost_{0};
};

// A replica name for logs: host name and process id.
std::string default_replica_name();
// Eight random hex digits.
std::string random_suffix();

}  // namespace tg::dxtrade
