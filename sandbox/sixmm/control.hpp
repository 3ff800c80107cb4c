#pragma once

#include "sandbox/common/http_types.hpp"
#include "sandbox/sixmm/mode.hpp"

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

namespace tg::sandbox::sixmm {

// Test switches and counters: the Agent API mode (changeable at runtime) and how many
// calls each endpoint received, so tests can assert that no upstream call was made.
class Control {
 public:
  Control(Mode mode, std::chrono::milliseconds slow_delay, std::initializer_list<std::string_view> endpoints);

  Mode mode() const { return mode_; }
  std::chrono::milliseconds slow_delay() const { return slow_delay_; }

  void count_call(std::string_view endpoint);
  void count_signature_failure() { ++signature_failures_; }

  Response get_mode(const Request& request) const;  // GET /__control/mode
  Response set_mode(const Request& request);        // POST /__control/mode {"mode":..., "slowMs"?:...}
  Response stats(const Request& request) const;     // GET /__control/stats

 private:
  Mode mode_;
  std::chrono::milliseconds slow_delay_;
  std::map<std::string, std::uint64_t, std::less<>> calls_;
  std::uint64_t signature_failures_ = 0;
};

}  // namespace tg::sandbox::sixmm
