#include "sandbox/common/responses.hpp"

#include <boost/json/serialize.hpp>

namespace tg::sandbox {

namespace {

Response make_response(http::status status, std::string_view content_type, std::string body) {
  Response response{status, 11};
  response.set(http::field::server, "trading-sandbox");
  response.set(http::field::cache_control, "no-store");
  if (!content_type.empty()) response.set(http::field::content_type, content_type);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

}  // namespace

Response html_response(http::status status, std::string html) {
  return make_response(status, "text/html; charset=utf-8", std::move(html));
}

Response json_response(http::status status, const boost::json::value& json) {
  return make_response(status, "application/json", boost::json::serialize(json));
}

Response text_response(http::status status, std::string text) {
  return make_response(status, "text/plain; charset=utf-8", std::move(text));
}

Response javascript_response(http::status status, std::string script) {
  return make_response(status, "text/javascript; charset=utf-8", std::move(script));
}

Response see_other(std::string_view location) {
  Response response = make_response(http::status::see_other, {}, {});
  response.set(http::field::location, location);
  return response;
}

}  // namespace tg::sandbox
