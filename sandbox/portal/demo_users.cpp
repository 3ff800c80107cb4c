#include "sandbox/portal/demo_users.hpp"

#include <array>

namespace tg::sandbox::portal {

namespace {

const std::array<DemoUser, 3>& all_users() {
  static const std::array<DemoUser, 3> users{{
      {"alice", "alice", "Alice Trader", "u-alice", true, DxtradeAccount{"alice", "default"}},
      {"bob", "bob", "Bob Trader", "u-bob", true, DxtradeAccount{"bob", "default"}},
      {"carol", "carol", "Carol Viewer", std::nullopt, false, std::nullopt},
  }};
  return users;
}

}  // namespace

std::span<const DemoUser> demo_users() { return all_users(); }

const DemoUser* find_demo_user(std::string_view user_id) {
  for (const DemoUser& user : all_users()) {
    if (user.user_id == user_id) return &user;
  }
  return nullptr;
}

const DemoUser* authenticate(std::string_view username, std::string_view password) {
  const DemoUser* user = find_demo_user(username);
  return user && user->password == password ? user : nullptr;
}

}  // namespace tg::sandbox::portal
