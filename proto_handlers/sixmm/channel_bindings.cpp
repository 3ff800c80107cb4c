#include "proto_handlers/sixmm/channel_bindings.hpp"

namespace tg::sixmm {

bool ChannelBindings::bind_or_check(const std::string& channel_id, const std::string& user_id,
                                    std::chrono::milliseconds ttl) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    drop_expired(now);
    auto [binding, inserted] = bindings_.try_emplace(channel_id, Binding{user_id, now + ttl});
    if (!inserted && binding->second.until > now && binding->second.user_id != user_id) return false;
    binding->second = {user_id, now + ttl};
    return true;
}

void ChannelBindings::drop_expired(std::chrono::steady_clock::time_point now) {
    if (now < next_sweep_) return;
    next_sweep_ = now + std::chrono::minutes(1);
    std::erase_if(bindings_, [&](const auto& entry) { return entry.second.until <= now; });
}

}  // namespace tg::sixmm
