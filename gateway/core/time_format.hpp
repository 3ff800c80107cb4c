// Timestamps as log lines carry them.
#pragma once

#include <chrono>
#include <string>

namespace tg {

// RFC 3339 in UTC with milliseconds: "2026-11-21T06:41:07.123Z".
std::string rfc3339_millis(std::chrono::system_clock::time_point time);

}  // namespace tg
