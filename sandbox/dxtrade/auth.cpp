#include "sandbox/dxtrade/auth.hpp"

#include "sandbox/common/random_id.hpp"
#include "sandbox/common/responses.hpp"
#include "sandbox/sixmm/json_fields.hpp"

#include "sandbox/common/base64.hpp"
#include <boost/beast/core/string.hpp>
#include <boost/json/object.hpp>

namespace tg::sandbox::dxtrade {

namespace {


std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Splits "Scheme value" (scheme compared case-insensitively).
bool take_scheme(std::string_view header, std::string_view scheme, std::string_view& value) {
  header = trim(header);
  if (header.size() <= scheme.size() || !boost::beast::iequals(header.substr(0, scheme.size()), scheme) ||
      (header[scheme.size()] != ' ' && header[scheme.size()] != '\t')) {
    return false;
  }
  value = trim(header.substr(scheme.size()));
  return !value.empty();
}

}  // namespace

ApiAuth::ApiAuth(std::string username, std::string domain, std::string password,
                 std::chrono::milliseconds session_timeout)
    : username_(std::move(username)),
      domain_(std::move(domain)),
      password_(std::move(password)),
      session_timeout_(session_timeout) {}

bool ApiAuth::credentials_match(std::string_view username, std::string_view domain, std::string_view password) const {
  return username == username_ && domain == domain_ && password == password_;
}

void ApiAuth::purge(Clock::time_point now) {
  std::erase_if(sessions_, [now](const auto& entry) { return entry.second <= now; });
}

Response ApiAuth::login(const Request& request, Clock::time_point now) {
  const auto body = sixmm::parse_json_object(request.body());
  if (!body) {
    return json_response(http::status::bad_request,
                         {{"errorCode", 110}, {"errorMessage", "expected JSON {username, domain, password}"}});
  }
  const auto username = sixmm::string_field(*body, "username");
  const auto domain = sixmm::string_field(*body, "domain");
  const auto password = sixmm::string_field(*body, "password");
  if (!username.present() || !domain.present() || !password.present() ||
      !credentials_match(username.value, domain.value, password.value)) {
    return json_response(http::status::unauthorized, {{"errorCode", 3}, {"errorMessage", "invalid credentials"}});
  }
  purge(now);
  std::string token = random_hex_id(24);
  sessions_.emplace(token, now + session_timeout_);
  return json_response(http::status::ok, {{"sessionToken", token}, {"timeout", session_timeout_.count()}});
}

bool ApiAuth::authorized(const Request& request, Clock::time_point now) {
  const std::string_view header = request[http::field::authorization];
  std::string_view value;
  if (take_scheme(header, "DXAPI", value)) {
    purge(now);
    return sessions_.contains(value);
  }
  if (take_scheme(header, "Basic", value)) {
    const auto credentials = decode_base64(value);
    if (!credentials) return false;
    const std::string& decoded = *credentials;
    const auto colon = decoded.find(':');
    if (colon == std::string::npos) return false;
    const std::string_view user_part = std::string_view(decoded).substr(0, colon);
    const auto at = user_part.rfind('@');
    if (at == std::string_view::npos) return false;
    return credentials_match(user_part.substr(0, at), user_part.substr(at + 1),
                             std::string_view(decoded).substr(colon + 1));
  }
  return false;
}

std::size_t ApiAuth::live_api_sessions(Clock::time_point now) {
  purge(now);
  return sessions_.size();
}

}  // namespace tg::sandbox::dxtrade
