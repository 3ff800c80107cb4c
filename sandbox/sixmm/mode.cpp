#include "sandbox/sixmm/mode.hpp"

#include <array>
#include <utility>

namespace tg::sandbox::sixmm {

namespace {

constexpr std::array<std::pair<Mode, std::string_view>, 4> kModeNames{{
    {Mode::normal, "normal"},
    {Mode::slow, "slow"},
    {Mode::down, "down"},
    {Mode::reject, "reject"},
}};

}  // namespace

std::optional<Mode> parse_mode(std::string_view text) {
  for (const auto& [mode, name] : kModeNames) {
    if (name == text) return mode;
  }
  return std::nullopt;
}

std::string_view to_string(Mode mode) {
  for (const auto& [candidate, name] : kModeNames) {
    if (candidate == mode) return name;
  }
  return "unknown";
}

}  // namespace tg::sandbox::sixmm
