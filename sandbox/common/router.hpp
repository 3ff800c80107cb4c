#pragma once

#include "sandbox/common/http_types.hpp"

#include <map>
#include <string>
#include <vector>

namespace tg::sandbox {

// Exact-path routing. Unknown path → 404, known path with another method → 405
// with Allow, unparsable request target → 400. The query string is ignored.
// A path can also take WebSocket upgrades (GET); a request there that is not an
// upgrade, and has no ordinary GET handler, gets 426 Upgrade Required.
class Router {
 public:
  void add(http::verb method, std::string path, Handler handler);
  void add_upgrade(std::string path, UpgradeHandler handler);

  Response dispatch(const Request& request) const;
  // For the HttpServer's UpgradeLookup: the path's upgrade handler, or an empty one.
  UpgradeHandler find_upgrade(const Request& request) const;

 private:
  struct MethodHandler {
    http::verb method;
    Handler handler;
  };
  struct Route {
    std::vector<MethodHandler> methods;
    UpgradeHandler upgrade;
  };
  std::map<std::string, Route, std::less<>> routes_;
};

}  // namespace tg::sandbox
