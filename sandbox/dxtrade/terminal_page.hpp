#pragma once

#include <string>
#include <string_view>

namespace tg::sandbox::dxtrade {

// A plain page of the terminal host: `title` (as is) and the HTML `body`.
std::string terminal_page(std::string_view title, std::string_view body);

// GET /main: "logged in as <span id="who">login@domain</span>" and
// <span id="session-state"> `alive` or `ended`, which /main.js keeps up to date.
std::string terminal_main_page(std::string_view login, std::string_view domain, bool alive);

// GET /main.js: polls /api/session-state and rewrites #session-state.
std::string terminal_main_script();

// Sent with /main: the page runs /main.js and fetches from its own origin, nothing else.
constexpr std::string_view kTerminalMainCsp =
    "default-src 'none'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'";

}  // namespace tg::sandbox::dxtrade
