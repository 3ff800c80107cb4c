// Timestamps as log lines carry them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tg {

// RFC 3339 in UTC with milliseconds: "2026-11-21T06:41:07.123Z".
std::string rfc3339_millis(std::chrono::system_clock::time_point time);

// Unix time now, in seconds and in milliseconds.
std::int64_t unix_seconds_now();
std::int64_t unix_millis_now();

}  // namespace tg
