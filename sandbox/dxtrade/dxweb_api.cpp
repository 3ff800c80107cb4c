#include "sandbox/dxtrade/dxweb_api.hpp"

#include "sandbox/common/responses.hpp"
#include "sandbox/dxtrade/request_params.hpp"

namespace tg::sandbox::dxtrade {

namespace {

std::string user_note(std::string_view login, std::string_view domain) {
  return "login=" + std::string(login) + "@" + std::string(domain);
}

DxwebApi::Reply missing(std::string_view names) {
  return {text_response(http::status::bad_request, std::string(names) + " required\n"), "missing parameters"};
}

}  // namespace

DxwebApi::Reply DxwebApi::generate_token(const FormFields& params, Clock::time_point now) {
  const auto login = param(params, "login");
  const auto domain = param(params, "domain");
  if (login.empty() || domain.empty()) return missing("login and domain");
  std::string token = sessions_.create(std::string(login), std::string(domain), now);
  return {text_response(http::status::ok, std::move(token)), user_note(login, domain) + " session opened"};
}

DxwebApi::Reply DxwebApi::ping(const FormFields& params, Clock::time_point now) {
  const auto token = param(params, "token");
  if (token.empty()) return missing("token");
  if (!sessions_.ping(token, now)) {
    return {text_response(http::status::not_found, "session not found\n"), "session gone"};
  }
  ping_log_.reached(token, now);
  const auto state = sessions_.state(token, now);
  return {text_response(http::status::ok, "OK"), user_note(state.login, state.domain) + " extended"};
}

DxwebApi::Reply DxwebApi::logout_by_token(const FormFields& params, Clock::time_point now) {
  const auto login = param(params, "login");
  const auto domain = param(params, "domain");
  const auto token = param(params, "token");
  if (login.empty() || domain.empty() || token.empty()) return missing("login, domain and token");
  if (!sessions_.end(token, login, domain, now)) {
    return {text_response(http::status::not_found, "session not found\n"), user_note(login, domain) + " no such session"};
  }
  return {text_response(http::status::ok, "OK"), user_note(login, domain) + " session ended"};
}

DxwebApi::Reply DxwebApi::logout_by_login(const FormFields& params, Clock::time_point now) {
  const auto login = param(params, "login");
  const auto domain = param(params, "domain");
  if (login.empty() || domain.empty()) return missing("login and domain");
  const std::size_t ended = sessions_.end_all(login, domain, now);
  return {text_response(http::status::ok, "OK"), user_note(login, domain) + " ended " + std::to_string(ended)};
}

}  // namespace tg::sandbox::dxtrade
