#include "sandbox/sixmm/user_bindings.hpp"

#include "sandbox/common/random_id.hpp"

#include <cstdint>

namespace tg::sandbox::sixmm {

UserBindings::UserBindings(bool auto_bound) : auto_bound_(auto_bound) {
  if (auto_bound_) {
    bind("u-alice");
    bind("u-bob");
  }
}

const std::string& UserBindings::bind(std::string_view agent_user_id) {
  if (const auto found = platform_ids_.find(agent_user_id); found != platform_ids_.end()) return found->second;
  return platform_ids_.emplace(std::string(agent_user_id), new_platform_user_id()).first->second;
}

std::optional<std::string> UserBindings::bound_user(std::string_view agent_user_id) {
  if (const auto found = platform_ids_.find(agent_user_id); found != platform_ids_.end()) return found->second;
  if (auto_bound_) return bind(agent_user_id);
  return std::nullopt;
}

std::string UserBindings::new_platform_user_id() const {
  for (;;) {
    const std::uint64_t random = std::stoull(random_hex_id(8), nullptr, 16);
    std::string id = std::to_string(1'000'000'000 + random % 9'000'000'000);  // 10 digits, no leading 0
    bool taken = false;
    for (const auto& [user, platform_id] : platform_ids_) taken = taken || platform_id == id;
    if (!taken) return id;
  }
}

}  // namespace tg::sandbox::sixmm
