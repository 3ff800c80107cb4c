// Token buckets for the routes' rate limits, shared by the workers of one process (a
// client's requests spread over them) and kept across reloads. Memory is bounded: a
// bucket that has refilled is the same as none and goes first; past the bound, the one
// touched longest ago goes.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tg::server {

class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    explicit RateLimiter(std::size_t max_buckets = 200000);

    // Takes a token from the bucket of `key` (created full); when it has none, the time
    // until it has one, and nothing is taken.
    std::optional<Clock::duration> take(std::string_view key, double per_second, double burst, Clock::time_point now);

    std::size_t buckets() const;

private:
    struct Bucket {
        double tokens = 0;
        double per_second = 0;
        double burst = 0;
        Clock::time_point updated;
    };
    struct KeyHash {
        using is_transparent = void;  // found by a string_view: no string per request
        std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
    };
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::string, Bucket, KeyHash, std::equal_to<>> buckets;
    };
    static void refill(Bucket& bucket, Clock::time_point now);
    void make_room(Shard& shard, Clock::time_point now) const;

    std::size_t max_per_shard_;
    std::array<Shard, 16> shards_;
};

}  // namespace tg::server
