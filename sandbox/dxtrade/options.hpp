#pragma once

#include "sandbox/sixmm/mode.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace tg::sandbox::dxtrade {

// The dxWeb API has the same four behaviours as the 6MM Agent API; only their effect
// differs (see sandbox/README.md, DXtrade test switches).
using Mode = sixmm::Mode;

// Command-line settings of the DXtrade stand-in (see sandbox/README.md).
struct DxtradeOptions {
  std::string api_username = "sso-service";
  std::string api_domain = "default";
  std::optional<std::string> api_password_file;  // absent: the built-in demo password
  std::chrono::milliseconds api_session_timeout{60'000};  // lifetime of /login session tokens
  std::chrono::milliseconds inactivity_timeout{30'000};   // trader session without /ping
  // /ping of a token the terminal has not taken yet answers 404 (real dxWeb's answer is
  // not published: this is the harsher reading).
  bool refuse_pings_before_use = false;
  Mode mode = Mode::normal;
  std::chrono::milliseconds slow_delay{5000};
};

}  // namespace tg::sandbox::dxtrade
