#include "sandbox/dxtrade/terminal_page.hpp"

#include "sandbox/common/html_escape.hpp"

namespace tg::sandbox::dxtrade {

namespace {

// Every 500 ms, so that a test sees a session end within a second. A failed check keeps
// the last state: only the session-state endpoint decides that a session ended.
constexpr std::string_view kMainScript = R"JS((function () {
  'use strict';
  var state = document.getElementById('session-state');
  function check() {
    fetch('/api/session-state', {credentials: 'same-origin', cache: 'no-store'})
      .then(function (response) { return response.json(); })
      .then(function (session) {
        var text = session.alive === true ? 'alive' : 'ended';
        state.textContent = text;
        state.className = text;
      })
      .catch(function () {});
  }
  setInterval(check, 500);
})();
)JS";

}  // namespace

std::string terminal_page(std::string_view title, std::string_view body) {
  return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + std::string(title) +
         "</title></head>\n<body>\n" + std::string(body) + "</body></html>\n";
}

std::string terminal_main_page(std::string_view login, std::string_view domain, bool alive) {
  const std::string who = html_escape(std::string(login) + "@" + std::string(domain));
  const std::string_view state = alive ? "alive" : "ended";
  return terminal_page("DXtrade terminal",
                       "<h1>DXtrade terminal — logged in as <span id=\"who\">" + who + "</span></h1>\n" +
                           "<p>Session: <span id=\"session-state\" class=\"" + std::string(state) + "\">" +
                           std::string(state) + "</span></p>\n<script src=\"/main.js\"></script>\n");
}

std::string terminal_main_script() { return std::string(kMainScript); }

}  // namespace tg::sandbox::dxtrade
