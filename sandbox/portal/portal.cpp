#include "sandbox/portal/portal.hpp"

#include "sandbox/common/cookies.hpp"
#include "sandbox/common/form.hpp"
#include "sandbox/common/request_echo.hpp"
#include "sandbox/common/responses.hpp"
#include "sandbox/common/websocket_echo.hpp"
#include "sandbox/portal/trading_apps.hpp"

#include <boost/json/object.hpp>

#include <utility>

namespace tg::sandbox::portal {

namespace {

constexpr std::string_view kSessionCookie = "portal_session";
constexpr std::string_view kCookieAttributes = "; Path=/; HttpOnly; SameSite=Lax";

std::string session_cookie(std::string_view session_id) {
  return std::string(kSessionCookie) + "=" + std::string(session_id) + std::string(kCookieAttributes);
}

std::string expired_session_cookie() {
  return std::string(kSessionCookie) + "=; Max-Age=0" + std::string(kCookieAttributes);
}

boost::json::object session_json(const DemoUser& user, const Session& session) {
  boost::json::object json{{"userId", user.user_id}, {"name", user.name}};
  if (user.agent_user_id) json["agentUserId"] = *user.agent_user_id;
  json["canTrade"] = user.can_trade;
  if (user.dxtrade) {
    json["dxtrade"] = {{"login", user.dxtrade->login}, {"domain", user.dxtrade->domain}};
  }
  json["expiresAt"] =
      std::chrono::duration_cast<std::chrono::seconds>(session.expires_at.time_since_epoch()).count();
  return json;
}

Response login_form_response(http::status status, std::string_view error,
                             std::string_view username = {}) {
  return html_response(status, login_page(error, username));
}

}  // namespace

Portal::Portal(PortalOptions options)
    : sessions_(options.session_ttl),
      sixmm_url_(std::move(options.sixmm_url)) {
  using http::verb;
  router_.add(verb::get, "/", [this](const Request& r) { return home(r); });
  router_.add(verb::get, "/login", [](const Request&) {
    return login_form_response(http::status::ok, {});
  });
  router_.add(verb::post, "/login", [this](const Request& r) { return login(r); });
  router_.add(verb::post, "/logout", [this](const Request& r) { return logout(r); });
  router_.add(verb::get, "/api/session", [this](const Request& r) { return session(r); });
  router_.add(verb::get, "/trading", [this](const Request& r) { return trading(r); });
  for (verb method : {verb::get, verb::post, verb::put, verb::patch, verb::delete_}) {
    router_.add(method, "/api/debug/request", [](const Request& r) {
      return json_response(http::status::ok, describe_request(r));
    });
  }
  router_.add(verb::get, "/healthz", [](const Request&) {
    return text_response(http::status::ok, "ok");
  });
  router_.add_upgrade("/ws/echo", websocket_echo);
}

Response Portal::handle(const Request& request) { return router_.dispatch(request); }

UpgradeHandler Portal::find_upgrade(const Request& request) const {
  return router_.find_upgrade(request);
}

std::optional<Portal::SignedIn> Portal::signed_in(const Request& request) {
  auto session_id = find_cookie(request, kSessionCookie);
  if (!session_id) return std::nullopt;
  auto session = sessions_.find(*session_id, Clock::now());
  if (!session) return std::nullopt;
  const DemoUser* user = find_demo_user(session->user_id);
  if (!user) return std::nullopt;
  return SignedIn{std::move(*session_id), std::move(*session), user};
}

Response Portal::home(const Request& request) {
  const auto current = signed_in(request);
  if (!current) return html_response(http::status::ok, home_page(nullptr, {}));
  return html_response(http::status::ok, home_page(current->user, trading_apps(*current->user)));
}

Response Portal::login(const Request& request) {
  if (!is_form_urlencoded(request)) {
    return login_form_response(http::status::unsupported_media_type,
                               "The form must be sent as application/x-www-form-urlencoded.");
  }
  const auto form = parse_form(request.body());
  if (!form) return login_form_response(http::status::bad_request, "The form could not be read.");

  const auto field = [&](std::string_view name) -> std::string_view {
    const auto found = form->find(name);
    return found == form->end() ? std::string_view{} : std::string_view(found->second);
  };
  const DemoUser* user = authenticate(field("username"), field("password"));
  if (!user) {
    return login_form_response(http::status::unauthorized, "Invalid username or password.",
                               field("username"));
  }

  if (const auto previous = signed_in(request)) sessions_.erase(previous->session_id);
  const std::string session_id = sessions_.create(user->user_id, Clock::now());
  Response response = see_other("/");
  response.set(http::field::set_cookie, session_cookie(session_id));
  return response;
}

Response Portal::logout(const Request& request) {
  if (const auto session_id = find_cookie(request, kSessionCookie)) sessions_.erase(*session_id);
  Response response = see_other("/");
  response.set(http::field::set_cookie, expired_session_cookie());
  return response;
}

Response Portal::session(const Request& request) {
  const auto current = signed_in(request);
  if (!current) return json_response(http::status::unauthorized, {{"error", "no_session"}});
  return json_response(http::status::ok, session_json(*current->user, current->session));
}

Response Portal::trading(const Request& request) {
  const auto current = signed_in(request);
  if (!current) return see_other("/login");
  return html_response(http::status::ok, trading_page(*current->user, sixmm_url_));
}

}  // namespace tg::sandbox::portal
