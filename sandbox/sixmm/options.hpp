#pragma once

#include "sandbox/sixmm/mode.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace tg::sandbox::sixmm {

// Command-line settings of the 6MM stand-in (see sandbox/README.md).
struct SixmmOptions {
  std::string agent_code = "AGENT001";
  std::optional<std::string> api_secret_file;  // absent: the built-in demo secret
  // true: u-alice and u-bob are bound from the start and any other agentUserId is bound on
  // first use; false: only users bound through /v1/agent/bind, others get 6201.
  bool auto_bound = true;
  Mode mode = Mode::normal;
  std::chrono::milliseconds slow_delay{5000};
};

}  // namespace tg::sandbox::sixmm
