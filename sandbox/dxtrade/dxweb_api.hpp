#pragma once

#include "sandbox/common/form.hpp"
#include "sandbox/common/http_types.hpp"
#include "sandbox/dxtrade/trader_sessions.hpp"

#include <string>

namespace tg::sandbox::dxtrade {

// The SSO calls of the dxWeb API, after authentication: each takes the call's
// parameters and answers in plain text. `note` is for the log (never a token).
class DxwebApi {
 public:
  explicit DxwebApi(TraderSessions& sessions) : sessions_(sessions) {}

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
};

}  // namespace tg::sandbox::dxtrade
