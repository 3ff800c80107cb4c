#include "sandbox/common/router.hpp"

#include "sandbox/common/responses.hpp"

#include <boost/url/parse.hpp>

namespace tg::sandbox {

void Router::add(http::verb method, std::string path, Handler handler) {
  routes_[std::move(path)].methods.push_back({method, std::move(handler)});
}

void Router::add_upgrade(std::string path, UpgradeHandler handler) {
  routes_[std::move(path)].upgrade = std::move(handler);
}

Response Router::dispatch(const Request& request) const {
  const auto target = boost::urls::parse_origin_form(request.target());
  if (!target) return text_response(http::status::bad_request, "bad request target\n");

  const auto route = routes_.find(std::string_view(target->encoded_path()));
  if (route == routes_.end()) return text_response(http::status::not_found, "not found\n");

  std::string allow;
  bool allows_get = false;
  for (const auto& [method, handler] : route->second.methods) {
    if (method == request.method()) return handler(request);
    if (!allow.empty()) allow += ", ";
    allow += http::to_string(method);
    allows_get = allows_get || method == http::verb::get;
  }
  if (route->second.upgrade) {
    if (request.method() == http::verb::get) {
      Response response = text_response(http::status::upgrade_required,
                                        "this endpoint needs a WebSocket upgrade\n");
      response.set(http::field::upgrade, "websocket");
      response.set(http::field::connection, "Upgrade");
      return response;
    }
    if (!allows_get) allow += allow.empty() ? "GET" : ", GET";
  }
  Response response = text_response(http::status::method_not_allowed, "method not allowed\n");
  response.set(http::field::allow, allow);
  return response;
}

UpgradeHandler Router::find_upgrade(const Request& request) const {
  const auto target = boost::urls::parse_origin_form(request.target());
  if (!target) return {};
  const auto route = routes_.find(std::string_view(target->encoded_path()));
  return route == routes_.end() ? UpgradeHandler{} : route->second.upgrade;
}

}  // namespace tg::sandbox
