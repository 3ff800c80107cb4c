#include "proto_handlers/common/sessions/shard_leases.hpp"

#include <algorithm>
#include <stdexcept>

namespace tg::sessions {
namespace {

// FNV-1a, then a 64-bit finaliser: the same on every replica and build, unlike std::hash.
std::uint64_t score(unsigned shard, const std::string& member) {
    std::uint64_t hash = 14695981039346656037ull;
    auto mix_in = [&hash](unsigned char byte) {
        hash ^= byte;
        hash *= 1099511628211ull;
    };
    for (const unsigned char c : member) mix_in(c);
    mix_in(0);
    for (int i = 0; i < 4; ++i) mix_in(static_cast<unsigned char>(shard >> (8 * i)));
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdull;
    hash ^= hash >> 33;
    hash *= 0xc4ceb9fe1a85ec53ull;
    hash ^= hash >> 33;
    return hash;
}

}  // namespace

std::string favourite_of(unsigned shard, const std::vector<std::string>& members) {
    const std::string* best = nullptr;
    std::uint64_t best_score = 0;
    for (const auto& member : members) {
        const auto s = score(shard, member);
        if (!best || s > best_score || (s == best_score && member < *best)) {
            best = &member;
            best_score = s;
        }
    }
    return best ? *best : std::string();
}

ShardLeases::ShardLeases(std::string me, unsigned shards, Millis ttl)
    : me_(std::move(me)), shards_(shards), ttl_(ttl), margin_(std::max<Millis>(ttl / 5, 1)) {
    if (me_.empty() || shards_ == 0 || ttl_ < 3) throw std::invalid_argument("shard leases: bad settings");
}

ShardPlan ShardLeases::plan(const std::vector<std::string>& members) const {
    ShardPlan plan;
    for (unsigned shard = 0; shard < shards_; ++shard) {
        const auto favourite = favourite_of(shard, members);
        if (favourite == me_) {
            plan.claim.push_back(shard);
        } else if (held_until_.contains(shard) && !favourite.empty()) {
            plan.release.push_back(shard);
        }
    }
    return plan;
}

bool ShardLeases::renewed(unsigned shard, Millis sent) {
    const auto [it, inserted] = held_until_.insert_or_assign(shard, sent + ttl_ - margin_);
    (void)it;
    return inserted;
}

bool ShardLeases::drop(unsigned shard) { return held_until_.erase(shard) > 0; }

std::vector<unsigned> ShardLeases::expire(Millis now) {
    std::vector<unsigned> expired;
    for (auto it = held_until_.begin(); it != held_until_.end();) {
        if (it->second <= now) {
            expired.push_back(it->first);
            it = held_until_.erase(it);
        } else {
            ++it;
        }
    }
    return expired;
}

bool ShardLeases::holds(unsigned shard, Millis now) const {
    const auto found = held_until_.find(shard);
    return found != held_until_.end() && found->second > now;
}

std::vector<unsigned> ShardLeases::held() const {
    std::vector<unsigned> shards;
    for (const auto& [shard, until] : held_until_) shards.push_back(shard);
    return shards;
}

std::optional<Millis> ShardLeases::next_expiry() const {
    std::optional<Millis> first;
    for (const auto& [shard, until] : held_until_) first = first ? std::min(*first, until) : until;
    return first;
}

}  // namespace tg::sessions
