// Each widget channelId belongs to the partner user who used it first, for a TTL.
// Shared by all workers (a mutex, on the handler path only, never the proxy path).
// A user keeps at most `max_per_user` channels: binding one more releases that user's
// oldest, so an authenticated user cannot grow the table without bound.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tg::sixmm {

class ChannelBindings {
public:
    explicit ChannelBindings(std::size_t max_per_user = 64) : max_per_user_(max_per_user) {}

    // True when the channel is free or already this user's; binds or refreshes it.
    bool bind_or_check(const std::string& channel_id, const std::string& user_id, std::chrono::milliseconds ttl);

    std::size_t size() const;

private:
    using clock = std::chrono::steady_clock;
    struct Binding {
        std::string user_id;
        clock::time_point until;
    };
    void drop_expired(clock::time_point now);
    void release_oldest_beyond_limit(const std::string& user_id);

    std::size_t max_per_user_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Binding> bindings_;
    std::unordered_map<std::string, std::deque<std::string>> channels_of_user_;  // oldest first
    clock::time_point next_sweep_{};
};

}  // namespace tg::sixmm
