#include "sandbox/portal/trading_apps.hpp"

namespace tg::sandbox::portal {

std::vector<AppLink> trading_apps(const DemoUser& user) {
  std::vector<AppLink> apps{{"Trading widget", "/trading"}};
  if (user.dxtrade) apps.push_back({"Open DXtrade", "/trading/dxtrade/launch", "DXtrade terminal", "open-dxtrade"});
  return apps;
}

}  // namespace tg::sandbox::portal
