#include "proto_handlers/sixmm/channel_bindings.hpp"

#include <algorithm>

namespace tg::sixmm {

bool ChannelBindings::bind_or_check(const std::string& channel_id, const std::string& user_id,
                                    std::chrono::milliseconds ttl) {
    const auto now = clock::now();
    std::lock_guard lock(mutex_);
    drop_expired(now);
    auto [binding, inserted] = bindings_.try_emplace(channel_id, Binding{user_id, now + ttl});
    if (!inserted && binding->second.until > now && binding->second.user_id != user_id) return false;
    const bool new_for_user = inserted || binding->second.user_id != user_id;
    binding->second = {user_id, now + ttl};
    if (new_for_user) {
        channels_of_user_[user_id].push_back(channel_id);
        release_oldest_beyond_limit(user_id);
    }
    return true;
}

std::size_t ChannelBindings::size() const {
    std::lock_guard lock(mutex_);
    return bindings_.size();
}

void ChannelBindings::release_oldest_beyond_limit(const std::string& user_id) {
    auto& channels = channels_of_user_[user_id];
    while (channels.size() > max_per_user_) {
        const auto oldest = bindings_.find(channels.front());
        if (oldest != bindings_.end() && oldest->second.user_id == user_id) bindings_.erase(oldest);
        channels.pop_front();
    }
}

void ChannelBindings::drop_expired(clock::time_point now) {
    if (now < next_sweep_) return;
    next_sweep_ = now + std::chrono::minutes(1);
    std::erase_if(bindings_, [&](const auto& entry) { return entry.second.until <= now; });
    // Forget channels that are no longer this user's, and users left with none.
    for (auto user = channels_of_user_.begin(); user != channels_of_user_.end();) {
        std::erase_if(user->second, [&](const std::string& channel) {
            const auto bound = bindings_.find(channel);
            return bound == bindings_.end() || bound->second.user_id != user->first;
        });
        user = user->second.empty() ? channels_of_user_.erase(user) : std::next(user);
    }
}

}  // namespace tg::sixmm
