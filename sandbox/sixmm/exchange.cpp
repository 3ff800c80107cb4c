#include "sandbox/sixmm/exchange.hpp"

#include "sandbox/common/random_id.hpp"
#include "sandbox/common/responses.hpp"
#include "sandbox/sixmm/json_fields.hpp"

#include <boost/json/object.hpp>

#include <iostream>

namespace tg::sandbox::sixmm {

namespace {

using boost::json::object;

constexpr std::size_t kMaxChannelId = 128;
constexpr std::size_t kMaxDeviceId = 64;
constexpr std::size_t kMaxRequestId = 128;

void allow_any_origin(Response& response) {
  response.set(http::field::access_control_allow_origin, "*");
}

// X-Request-ID is echoed when the client sent a sane one, as the Developer API does.
std::string request_id(const Request& request) {
  const std::string_view sent = request["X-Request-ID"];  // absent: empty
  const bool usable = !sent.empty() && sent.size() <= kMaxRequestId &&
                      sent.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") ==
                          sent.npos;
  return usable ? std::string(sent) : "req-" + random_hex_id(8);
}

Response answer(const Request& request, std::string_view endpoint, object body) {
  std::cerr << "sixmm: " << endpoint << " code=" << body["code"].as_int64() << std::endl;
  body["requestId"] = request_id(request);
  Response response = json_response(http::status::ok, body);
  allow_any_origin(response);
  return response;
}

Response invalid_token(const Request& request, std::string_view endpoint) {
  return answer(request, endpoint, {{"code", 1003}, {"message", "Invalid token"}});
}

bool device_id_ok(const object& body) {
  const StringField device_id = string_field(body, "deviceId");
  return !device_id.invalid() && device_id.value.size() <= kMaxDeviceId;
}

}  // namespace

Response Exchange::exchange_embed_token(const Request& request) {
  constexpr std::string_view kEndpoint = "/v1/public/agent-sso/exchange-embed-token";
  const auto body = parse_json_object(request.body());
  if (!body) return invalid_token(request, kEndpoint);
  const StringField token = string_field(*body, "embedToken");
  const StringField channel_id = string_field(*body, "channelId");
  if (!token.present() || !channel_id.present() || channel_id.value.size() > kMaxChannelId || !device_id_ok(*body)) {
    return invalid_token(request, kEndpoint);
  }
  const std::int64_t now = unix_now();
  if (!tokens_.redeem_embed_token(token.value, channel_id.value, now)) return invalid_token(request, kEndpoint);

  return answer(request, kEndpoint,
                {{"code", 0},
                 {"message", "success"},
                 {"data", {{"accessToken", random_hex_id(16)}, {"accessExpire", now + access_ttl_seconds_}}}});
}

Response Exchange::exchange_ticket(const Request& request) {
  constexpr std::string_view kEndpoint = "/v1/public/agent-sso/exchange-ticket";
  const auto body = parse_json_object(request.body());
  if (!body) return invalid_token(request, kEndpoint);
  const StringField ticket = string_field(*body, "ticket");
  if (!ticket.present() || !device_id_ok(*body)) return invalid_token(request, kEndpoint);
  const std::int64_t now = unix_now();
  const auto grant = tokens_.redeem_ticket(ticket.value, now);
  if (!grant) return invalid_token(request, kEndpoint);

  return answer(request, kEndpoint,
                {{"code", 0},
                 {"message", "success"},
                 {"data",
                  {{"accessToken", random_hex_id(16)},
                   {"accessExpire", now + access_ttl_seconds_},
                   {"redirectPath", grant->redirect_path}}}});
}

Response Exchange::preflight(const Request&) {
  Response response = text_response(http::status::no_content, {});
  response.erase(http::field::content_type);
  allow_any_origin(response);
  response.set(http::field::access_control_allow_methods, "POST, OPTIONS");
  response.set(http::field::access_control_allow_headers, "Content-Type, X-Request-ID");
  response.set(http::field::access_control_max_age, "600");
  return response;
}

}  // namespace tg::sandbox::sixmm
