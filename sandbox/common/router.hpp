#pragma once

#include "sandbox/common/http_types.hpp"

#include <map>
#include <string>
#include <vector>

namespace tg::sandbox {

// Exact-path routing. Unknown path → 404, known path with another method → 405
// with Allow, unparsable request target → 400. The query string is ignored.
class Router {
 public:
  void add(http::verb method, std::string path, Handler handler);
  Response dispatch(const Request& request) const;

 private:
  struct MethodHandler {
    http::verb method;
    Handler handler;
  };
  std::map<std::string, std::vector<MethodHandler>, std::less<>> routes_;
};

}  // namespace tg::sandbox
