#pragma once

#include "sandbox/portal/demo_users.hpp"
#include "sandbox/portal/pages.hpp"

#include <vector>

namespace tg::sandbox::portal {

// The home page's trading apps for `user`: the 6MM "Trading widget" for everyone, and
// "DXtrade terminal" (the gateway's /trading/dxtrade/launch) for users with a DXtrade account.
std::vector<AppLink> trading_apps(const DemoUser& user);

}  // namespace tg::sandbox::portal
