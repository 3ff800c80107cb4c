#pragma once

#include "sandbox/common/form.hpp"
#include "sandbox/common/http_types.hpp"
#include "sandbox/dxtrade/ping_log.hpp"
#include "sandbox/dxtrade/trader_sessions.hpp"

#include <string>

namespace tg::sandbox::dxtrade {

// The SSO calls of the dxWeb API, after authentication: each takes the call's
// parameters and answers in plain text. `note` is for the log (never a token).
// Pings that reach a live session go to `ping_log`.
class DxwebApi {
 public:
  DxwebApi(TraderSessions& sessions, PingLog& ping_log) : sessions_(sessions), ping_log_(ping_log) {}

  struct Reply {
    Response response;
    std::string note;
  };

  Reply generate_token(const FormFields& params, Clock::time_point now);   // login, domain → token
  Reply ping(const FormFields& params, Clock::time_point now);             // token
  Reply logout_by_token(const FormFields& params, Clock::time_point now);  // login, domain, token
  Reply logout_by_login(const FormFields& params, Clock::time_point now);  // login, domain

 private:
  TraderSessions& sessions_;
  PingLog& ping_log_;
};

}  // namespace tg::sandbox::dxtrade
