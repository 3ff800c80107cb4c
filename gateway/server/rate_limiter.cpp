#include "gateway/server/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace tg::server {

RateLimiter::RateLimiter(std::size_t max_buckets) : max_per_shard_(std::max<std::size_t>(1, max_buckets / 16)) {}

void RateLimiter::refill(Bucket& bucket, Clock::time_point now) {
    const std::chrono::duration<double> elapsed = now - bucket.updated;
    if (elapsed.count() > 0) bucket.tokens = std::min(bucket.burst, bucket.tokens + elapsed.count() * bucket.per_second);
    bucket.updated = std::max(bucket.updated, now);
}

void RateLimiter::make_room(Shard& shard, Clock::time_point now) const {
    for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
        refill(it->second, now);
        it = it->second.tokens >= it->second.burst ? shard.buckets.erase(it) : std::next(it);
    }
    while (shard.buckets.size() >= max_per_shard_) {
        const auto oldest = std::min_element(shard.buckets.begin(), shard.buckets.end(), [](const auto& a, const auto& b) {
            return a.second.updated < b.second.updated;
        });
        shard.buckets.erase(oldest);
    }
}

std::optional<RateLimiter::Clock::duration> RateLimiter::take(std::string_view key, double per_second, double burst,
                                                              Clock::time_point now) {
    auto& shard = shards_[std::hash<std::string_view>{}(key) % shards_.size()];
    std::lock_guard lock(shard.mutex);
    auto found = shard.buckets.find(key);
    if (found == shard.buckets.end()) {
        if (shard.buckets.size() >= max_per_shard_) make_room(shard, now);
        found = shard.buckets.emplace(std::string(key), Bucket{burst, per_second, burst, now}).first;
    }
    auto& bucket = found->second;
    bucket.per_second = per_second;  // a reload may have changed the limit
    bucket.burst = burst;
    refill(bucket, now);
    if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return std::nullopt;
    }
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>((1 - bucket.tokens) / per_second));
}

std::size_t RateLimiter::buckets() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        total += shard.buckets.size();
    }
    return total;
}

}  // namespace tg::server
