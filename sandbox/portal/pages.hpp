#pragma once

#include "sandbox/portal/demo_users.hpp"

#include <span>
#include <string>
#include <string_view>

namespace tg::sandbox::portal {

// An entry in the signed-in home page's "Trading apps" list: `title` (if any), then a
// link `label` → `href`, with `id` (if any) on the link for tests.
struct AppLink {
  std::string label;
  std::string href;
  std::string title = {};
  std::string id = {};
};

// `user` is nullptr when signed out.
std::string home_page(const DemoUser* user, std::span<const AppLink> apps);

// `error` is shown above the form when non-empty; `username` pre-fills the field.
std::string login_page(std::string_view error = {}, std::string_view username = {});

// GET /trading for a signed-in user: loads the 6MM widget SDK from `sixmm_url` (a base URL,
// no trailing slash) and embeds the widget in partner-token mode, its tokenProvider calling
// the gateway's POST /api/trading/embed-token; a button opens a second widget in agent-sso
// mode through POST /api/trading-entry. Widget events are shown in #widget-status and the
// #widget-event-log list (the SDK also keeps window.__tgWidgetEvents); the HTTP status of
// the latest token and entry calls is kept in window.__tgLastTokenStatus and
// window.__tgLastEntryStatus.
std::string trading_page(const DemoUser& user, std::string_view sixmm_url);

}  // namespace tg::sandbox::portal
