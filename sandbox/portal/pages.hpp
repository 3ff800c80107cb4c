#pragma once

#include "sandbox/portal/demo_users.hpp"

#include <span>
#include <string>
#include <string_view>

namespace tg::sandbox::portal {

// An entry in the signed-in home page's "Trading apps" list
// (later: "Trading widget", "Open DXtrade").
struct AppLink {
  std::string label;
  std::string href;
};

// `user` is nullptr when signed out.
std::string home_page(const DemoUser* user, std::span<const AppLink> apps);

// `error` is shown above the form when non-empty; `username` pre-fills the field.
std::string login_page(std::string_view error = {}, std::string_view username = {});

}  // namespace tg::sandbox::portal
