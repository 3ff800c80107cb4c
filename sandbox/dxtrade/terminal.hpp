#pragma once

#include "sandbox/common/http_types.hpp"
#include "sandbox/common/router.hpp"
#include "sandbox/dxtrade/trader_sessions.hpp"

#include <map>
#include <string>

namespace tg::sandbox::dxtrade {

// The DXtrade WEB terminal host: the SSO form target, the main page (its HTML and script
// in terminal_page.*) and a session-state endpoint the page polls. A terminal cookie maps
// to the trader session it was opened for.
class Terminal {
 public:
  explicit Terminal(TraderSessions& sessions);
  Terminal(const Terminal&) = delete;  // routes capture `this`
  Terminal& operator=(const Terminal&) = delete;

  Response handle(const Request& request) const { return router_.dispatch(request); }

 private:
  Response login_with_token(const Request& request);  // POST /api/auth/login/form-with-token
  Response main_page(const Request& request);          // GET /main
  Response session_state(const Request& request);      // GET /api/session-state
  const std::string* session_token(const Request& request) const;

  TraderSessions& sessions_;
  std::map<std::string, std::string, std::less<>> cookies_;  // terminal cookie → SSO token
  Router router_;
};

}  // namespace tg::sandbox::dxtrade
