#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tg::sandbox::sixmm {

// agentUserId -> platformUserId (10 random digits, a string as 6MM documents it).
class UserBindings {
 public:
  // auto_bound: the demo users u-alice and u-bob start bound and any other agentUserId is
  // bound on its first token request. Otherwise nobody is bound until /v1/agent/bind.
  explicit UserBindings(bool auto_bound);

  // Binds if needed; binding twice keeps the first platformUserId.
  const std::string& bind(std::string_view agent_user_id);

  // The platformUserId for a token request, or nothing if the user is not bound.
  std::optional<std::string> bound_user(std::string_view agent_user_id);

 private:
  std::string new_platform_user_id() const;

  bool auto_bound_;
  std::map<std::string, std::string, std::less<>> platform_ids_;
};

}  // namespace tg::sandbox::sixmm
