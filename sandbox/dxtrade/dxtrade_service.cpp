#include "sandbox/dxtrade/dxtrade_service.hpp"

#include "sandbox/common/delayed_answer.hpp"
#include "sandbox/common/responses.hpp"
#include "sandbox/dxtrade/request_params.hpp"

#include <boost/url/parse.hpp>

#include <iostream>

namespace tg::sandbox::dxtrade {

namespace {

namespace asio = boost::asio;

constexpr std::string_view kBase = "/dxweb/rest";
constexpr std::string_view kLogin = "/dxweb/rest/login";
constexpr std::string_view kGenerateToken = "/dxweb/rest/generateToken";
constexpr std::string_view kPing = "/dxweb/rest/ping";
constexpr std::string_view kLogoutByToken = "/dxweb/rest/logoutByToken";
constexpr std::string_view kLogoutByLogin = "/dxweb/rest/logoutByLogin";

bool is_api_call(const Request& request) {
  const auto target = boost::urls::parse_origin_form(request.target());
  return target && std::string_view(target->encoded_path()).starts_with(std::string(kBase) + "/");
}

Response logged(std::string_view path, Response response, std::string_view note) {
  std::cerr << "dxweb: " << path << " http=" << response.result_int();
  if (!note.empty()) std::cerr << " (" << note << ")";
  std::cerr << std::endl;
  return response;
}

}  // namespace

DxtradeService::DxtradeService(const DxtradeOptions& options, std::string api_password)
    : sessions_(options.inactivity_timeout, options.refuse_pings_before_use),
      ping_log_(Clock::now()),
      auth_(options.api_username, options.api_domain, std::move(api_password), options.api_session_timeout),
      api_(sessions_, ping_log_),
      control_(options.mode, options.slow_delay),
      terminal_(sessions_) {
  using http::verb;
  router_.add(verb::post, std::string(kLogin), [this](const Request& r) { return login_call(r); });
  const auto add = [this](std::string_view path, Operation operation) {
    const auto handler = [this, path, operation](const Request& r) { return api_call(path, operation, r); };
    router_.add(verb::post, std::string(path), handler);
    router_.add(verb::get, std::string(path), handler);
  };
  add(kGenerateToken, &DxwebApi::generate_token);
  add(kPing, &DxwebApi::ping);
  add(kLogoutByToken, &DxwebApi::logout_by_token);
  add(kLogoutByLogin, &DxwebApi::logout_by_login);

  router_.add(verb::get, "/__control/mode", [this](const Request&) { return control_.get_mode(); });
  router_.add(verb::post, "/__control/mode", [this](const Request& r) { return control_.set_mode(r); });
  router_.add(verb::get, "/__control/stats", [this](const Request&) { return stats(); });
  router_.add(verb::get, "/__control/pings", [this](const Request&) { return pings(); });
  router_.add(verb::post, "/__control/pings/reset", [this](const Request&) { return reset_pings(); });
  router_.add(verb::get, "/__control/sessions", [this](const Request& r) { return live_sessions_of(r); });
  router_.add(verb::get, "/healthz", [](const Request&) { return text_response(http::status::ok, "ok"); });
}

asio::awaitable<Response> DxtradeService::handle_dxweb(const Request& request) {
  const bool delayed = control_.mode() == Mode::slow && is_api_call(request);
  auto response = router_.dispatch(request);
  const auto delay = delayed ? control_.slow_delay() : std::chrono::milliseconds(0);
  co_return co_await answer_after(std::move(response), delay);
}

Response DxtradeService::login_call(const Request& request) {
  control_.count_call(kLogin);
  if (control_.mode() == Mode::down) {
    return logged(kLogin, text_response(http::status::service_unavailable, "dxWeb is down (sandbox mode)\n"), "mode down");
  }
  return logged(kLogin, auth_.login(request, Clock::now()), {});
}

Response DxtradeService::api_call(std::string_view path, Operation operation, const Request& request) {
  control_.count_call(path);
  DxwebApi::Reply reply = api_reply(path, operation, request, Clock::now());
  if (path == kPing && reply.response.result() != http::status::ok) ping_log_.refused();
  return logged(path, std::move(reply.response), reply.note);
}

DxwebApi::Reply DxtradeService::api_reply(std::string_view path, Operation operation, const Request& request,
                                          Clock::time_point now) {
  if (control_.mode() == Mode::down) {
    return {text_response(http::status::service_unavailable, "dxWeb is down (sandbox mode)\n"), "mode down"};
  }
  if (!auth_.authorized(request, now)) {
    Response response = text_response(http::status::unauthorized, "authentication required\n");
    response.set(http::field::www_authenticate, "Basic realm=\"dxweb\"");
    return {std::move(response), "not authenticated"};
  }
  if (control_.mode() == Mode::reject && path == kGenerateToken) {
    return {text_response(http::status::forbidden, "token generation rejected (sandbox mode)\n"), "mode reject"};
  }
  const auto params = request_params(request);
  if (!params) return {text_response(http::status::bad_request, "unreadable parameters\n"), {}};
  return (api_.*operation)(*params, now);
}

Response DxtradeService::stats() {
  const auto now = Clock::now();
  return control_.stats({{"liveSessions", sessions_.live(now)}, {"liveApiSessions", auth_.live_api_sessions(now)}});
}

Response DxtradeService::pings() {
  boost::json::object report = ping_log_.report();
  report["liveSessions"] = sessions_.live(Clock::now());
  return json_response(http::status::ok, report);
}

Response DxtradeService::reset_pings() {
  ping_log_.reset(Clock::now());
  std::cerr << "dxweb: ping log reset" << std::endl;
  return pings();
}

Response DxtradeService::live_sessions_of(const Request& request) {
  const FormFields params = request_params(request).value_or(FormFields{});
  const auto login = param(params, "login");
  const auto domain = param(params, "domain");
  if (login.empty() || domain.empty()) {
    return json_response(http::status::bad_request, {{"error", "login and domain query parameters required"}});
  }
  return json_response(http::status::ok, {{"live", sessions_.live(login, domain, Clock::now())}});
}

}  // namespace tg::sandbox::dxtrade
