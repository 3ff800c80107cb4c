#include "sandbox/dxtrade/terminal.hpp"

#include "sandbox/common/cookies.hpp"
#include "sandbox/common/form.hpp"
#include "sandbox/common/html_escape.hpp"
#include "sandbox/common/random_id.hpp"
#include "sandbox/common/responses.hpp"

#include <boost/json/object.hpp>

#include <iostream>

namespace tg::sandbox::dxtrade {

namespace {

constexpr std::string_view kCookie = "dxterminal_session";

std::string page(std::string_view title, std::string_view body) {
  return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + std::string(title) +
         "</title></head>\n<body>\n" + std::string(body) + "</body></html>\n";
}

Response rejected(std::string_view why) {
  std::cerr << "dxterminal: form-with-token http=401 (" << why << ")" << std::endl;
  return html_response(http::status::unauthorized,
                       page("SSO token rejected", "<h1>SSO token rejected</h1>\n<p>" + std::string(why) + "</p>\n"));
}

// Re-checks /api/session-state every 2 s and updates #session-state.
constexpr std::string_view kPollScript = R"(<script>
setInterval(function () {
  fetch('/api/session-state', {credentials: 'same-origin'})
    .then(function (r) { return r.json(); })
    .then(function (s) {
      var e = document.getElementById('session-state');
      e.textContent = s.alive ? 'session alive' : 'session ended';
      e.className = s.alive ? 'alive' : 'ended';
    })
    .catch(function () {});
}, 2000);
</script>
)";

}  // namespace

Terminal::Terminal(TraderSessions& sessions) : sessions_(sessions) {
  using http::verb;
  router_.add(verb::post, "/api/auth/login/form-with-token", [this](const Request& r) { return login_with_token(r); });
  router_.add(verb::get, "/main", [this](const Request& r) { return main_page(r); });
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
  if (!sessions_.redeem(token->second, now)) return rejected("unknown, used or expired token");

  std::string cookie = random_hex_id(16);
  cookies_.emplace(cookie, token->second);
  const auto state = sessions_.state(token->second, now);
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
                         page("DXtrade terminal", "<h1>DXtrade terminal</h1>\n<p>Not logged in.</p>\n"));
  }
  const auto state = sessions_.state(*token, Clock::now());
  const std::string user = html_escape(state.login + "@" + state.domain);
  std::cerr << "dxterminal: /main http=200 login=" << state.login << "@" << state.domain
            << (state.alive ? " alive" : " ended") << std::endl;
  return html_response(
      http::status::ok,
      page("DXtrade terminal", "<h1>DXtrade terminal — logged in as <span id=\"user\">" + user + "</span></h1>\n" +
                                   "<p id=\"session-state\" class=\"" + (state.alive ? "alive" : "ended") + "\">" +
                                   (state.alive ? "session alive" : "session ended") + "</p>\n" +
                                   std::string(kPollScript)));
}

Response Terminal::session_state(const Request& request) {
  const std::string* token = session_token(request);
  if (!token) return json_response(http::status::unauthorized, {{"alive", false}});
  const auto state = sessions_.state(*token, Clock::now());
  return json_response(http::status::ok, {{"alive", state.alive}, {"login", state.login}, {"domain", state.domain}});
}

}  // namespace tg::sandbox::dxtrade
