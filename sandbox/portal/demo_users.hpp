#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tg::sandbox::portal {

struct DxtradeAccount {
  std::string login;
  std::string domain;
};

struct DemoUser {
  std::string user_id;  // also the login name
  std::string password;
  std::string name;
  std::optional<std::string> agent_user_id;  // the broker's id for the trading platform
  bool can_trade = false;
  std::optional<DxtradeAccount> dxtrade;
};

std::span<const DemoUser> demo_users();

const DemoUser* find_demo_user(std::string_view user_id);

// The user whose login name and password match, or nullptr.
const DemoUser* authenticate(std::string_view username, std::string_view password);

}  // namespace tg::sandbox::portal
