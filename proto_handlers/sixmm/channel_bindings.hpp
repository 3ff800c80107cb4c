// Each widget channelId belongs to the partner user who used it first, for a TTL.
// Shared by all workers (a mutex, on the handler path only, never the proxy path).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tg::sixmm {

class ChannelBindings {
public:
    // True when the channel is free or already this user's; binds or refreshes it.
    bool bind_or_check(const std::string& channel_id, const std::string& user_id, std::chrono::milliseconds ttl);

private:
    struct Binding {
        std::string user_id;
        std::chrono::steady_clock::time_point until;
    };
    void drop_expired(std::chrono::steady_clock::time_point now);

    std::mutex mutex_;
    std::unordered_map<std::string, Binding> bindings_;
    std::chrono::steady_clock::time_point next_sweep_{};
};

}  // namespace tg::sixmm
