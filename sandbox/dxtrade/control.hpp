#pragma once

#include "sandbox/common/http_types.hpp"
#include "sandbox/dxtrade/options.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace tg::sandbox::dxtrade {

// Test switches of the dxWeb API (mode, slow delay; changeable at runtime) and call counters.
class Control {
 public:
  Control(Mode mode, std::chrono::milliseconds slow_delay) : mode_(mode), slow_delay_(slow_delay) {}

  Mode mode() const { return mode_; }
  std::chrono::milliseconds slow_delay() const { return slow_delay_; }
  void count_call(std::string_view endpoint);

  Response get_mode() const;                  // GET /__control/mode
  Response set_mode(const Request& request);  // POST /__control/mode {"mode", "slowMs"?}
  // GET /__control/stats: mode, slowMs, calls per endpoint, plus the given extra fields.
  Response stats(boost::json::object extra) const;

 private:
  Mode mode_;
  std::chrono::milliseconds slow_delay_;
  std::map<std::string, std::uint64_t, std::less<>> calls_;
};

}  // namespace tg::sandbox::dxtrade
