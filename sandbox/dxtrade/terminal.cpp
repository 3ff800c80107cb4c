#include "sandbox/dxtrade/terminal.hpp"

#include "sandbox/common/base64.hpp"
#include "sandbox/common/cookies.hpp"
#include "sandbox/common/form.hpp"
#include "sandbox/common/random_id.hpp"
#include "sandbox/common/responses.hpp"
#include "sandbox/dxtrade/terminal_page.hpp"

#include <boost/json/object.hpp>

#include <iostream>

namespace tg::sandbox::dxtrade {

namespace {

constexpr std::string_view kCookie = "dxterminal_session";

Response rejected(std::string_view why) {
  std::cerr << "dxterminal: form-with-token http=401 (" << why << ")" << std::endl;
  const std::string body = "<h1>SSO token rejected</h1>\n<p>" + std::string(why) + "</p>\n";
  return html_response(http::status::unauthorized, terminal_page("SSO token rejected", body));
}

}  // namespace

Terminal::Terminal(TraderSessions& sessions) : sessions_(sessions) {
  using http::verb;
  router_.add(verb::post, "/api/auth/login/form-with-token", [this](const Request& r) { return login_with_token(r); });
  router_.add(verb::get, "/main", [this](const Request& r) { return main_page(r); });
  router_.add(verb::get, "/main.js", [](const Request&) {
    return javascript_response(http::status::ok, terminal_main_script());
  });
  router_.add(verb::get, "/api/session-state", [this](const Request& r) { return session_state(r); });
  router_.add(verb::get, "/healthz", [](const Request&) { return text_response(http::status::ok, "ok"); });
}

const std::string* Terminal::session_token(const Request& request) const {
  const auto cookie = find_cookie(request, kCookie);
  if (!cookie) return nullptr;
  const auto found = cookies_.find(*cookie);
  return found == cookies_.end() ? nullptr : &found->second;
}

Response Terminal::login_with_token(const Request& request) {
  if (!is_form_urlencoded(request)) return rejected("expected a form with a token field");
  const auto form = parse_form(request.body());
  const auto token = form ? form->find("token") : FormFields::const_iterator{};
  if (!form || token == form->end() || token->second.empty()) return rejected("no token");
  const auto now = Clock::now();
  // The SSO page posts the token Base64-encoded (the integration guide's way) or as issued.
  std::string issued = token->second;
  if (!sessions_.redeem(issued, now)) {
    const auto decoded = decode_base64(token->second);
    if (!decoded || !sessions_.redeem(*decoded, now)) return rejected("unknown, used or expired token");
    issued = *decoded;
  }

  std::string cookie = random_hex_id(16);
  cookies_.emplace(cookie, issued);
  const auto state = sessions_.state(issued, now);
  std::cerr << "dxterminal: form-with-token http=303 login=" << state.login << "@" << state.domain << std::endl;
  Response response = see_other("/main");
  response.set(http::field::set_cookie, std::string(kCookie) + "=" + cookie + "; Path=/; HttpOnly; SameSite=Lax");
  return response;
}

Response Terminal::main_page(const Request& request) {
  const std::string* token = session_token(request);
  if (!token) {
    std::cerr << "dxterminal: /main http=401 (no terminal session)" << std::endl;
    return html_response(http::status::unauthorized,
                         terminal_page("DXtrade terminal", "<h1>DXtrade terminal</h1>\n<p>Not logged in.</p>\n"));
  }
  const auto state = sessions_.state(*token, Clock::now());
  std::cerr << "dxterminal: /main http=200 login=" << state.login << "@" << state.domain
            << (state.alive ? " alive" : " ended") << std::endl;
  Response response = html_response(http::status::ok, terminal_main_page(state.login, state.domain, state.alive));
  response.set("Content-Security-Policy", kTerminalMainCsp);
  return response;
}

Response Terminal::session_state(const Request& request) {
  const std::string* token = session_token(request);
  if (!token) return json_response(http::status::unauthorized, {{"alive", false}});
  const auto state = sessions_.state(*token, Clock::now());
  return json_response(http::status::ok, {{"alive", state.alive}, {"login", state.login}, {"domain", state.domain}});
}

}  // namespace tg::sandbox::dxtrade
