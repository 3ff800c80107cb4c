// Which shards of the shared sessions this replica pings (README §5, "Several replicas"):
// the I/O-free half of the ownership protocol, on plain millisecond times so tests run it
// on a fake clock.
//
// Sessions fall into `shards` shards (id % shards). Each shard has a lease in the shared
// state; only its holder pings the shard's sessions. Every replica keeps a membership
// key alive, and each shard goes to its rendezvous-hash favourite among the live members:
// every replica computes the same favourite from the same member list, so they agree
// without talking, and a member joining or leaving moves only its own share.
//
// A held shard is acted on only until `sent + ttl - margin`, where `sent` is when the
// last successful claim was sent: the lease in the store expires at `ttl` after it
// arrived, later still, so the holder has stopped before anyone else can claim it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tg::sessions {

using Millis = std::int64_t;

// The live member that owns `shard`, or "" with no member.
std::string favourite_of(unsigned shard, const std::vector<std::string>& members);

struct ShardPlan {
    std::vector<unsigned> claim;    // this replica's favourites: claim or renew
    std::vector<unsigned> release;  // held, but another member's favourite now: hand over
};

class ShardLeases {
public:
    ShardLeases(std::string me, unsigned shards, Millis ttl);

    const std::string& me() const { return me_; }
    Millis ttl() const { return ttl_; }
    // How often to renew: three tries before a lease runs out.
    Millis renew_every() const { return ttl_ / 3; }

    // `members`: the live members (this replica among them or not).
    ShardPlan plan(const std::vector<std::string>& members) const;
    // A claim sent at `sent` succeeded. True when the shard was not held before: load it.
    bool renewed(unsigned shard, Millis sent);
    // Refused, released or given up: no longer held. True when it was held.
    bool drop(unsigned shard);
    // The held shards whose time ran out at `now`: dropped and returned.
    std::vector<unsigned> expire(Millis now);

    bool holds(unsigned shard, Millis now) const;
    std::vector<unsigned> held() const;
    // When the first held lease runs out, if any is held.
    std::optional<Millis> next_expiry() const;

private:
    std::string me_;
    unsigned shards_;
    Millis ttl_;
    Millis margin_;
    std::map<unsigned, Millis> held_until_;
};

}  // namespace tg::sessions
