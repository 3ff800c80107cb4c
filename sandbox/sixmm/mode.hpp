#pragma once

#include <optional>
#include <string_view>

namespace tg::sandbox::sixmm {

// How the stand-in's Agent API (/v1/agent/*) behaves; settable at start and at runtime.
enum class Mode {
  normal,  // answers at once
  slow,    // answers after the configured delay
  down,    // HTTP 503, no JSON
  reject,  // {code:6904, message:"temporarily unavailable"}
};

std::optional<Mode> parse_mode(std::string_view text);
std::string_view to_string(Mode mode);

}  // namespace tg::sandbox::sixmm
