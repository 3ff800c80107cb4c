#include "sandbox/common/router.hpp"

#include "sandbox/common/responses.hpp"

#include <boost/url/parse.hpp>

namespace tg::sandbox {

void Router::add(http::verb method, std::string path, Handler handler) {
  routes_[std::move(path)].push_back({method, std::move(handler)});
}

Response Router::dispatch(const Request& request) const {
  const auto target = boost::urls::parse_origin_form(request.target());
  if (!target) return text_response(http::status::bad_request, "bad request target\n");

  const auto route = routes_.find(std::string_view(target->encoded_path()));
  if (route == routes_.end()) return text_response(http::status::not_found, "not found\n");

  std::string allow;
  for (const auto& [method, handler] : route->second) {
    if (method == request.method()) return handler(request);
    if (!allow.empty()) allow += ", ";
    allow += http::to_string(method);
  }
  Response response = text_response(http::status::method_not_allowed, "method not allowed\n");
  response.set(http::field::allow, allow);
  return response;
}

}  // namespace tg::sandbox
