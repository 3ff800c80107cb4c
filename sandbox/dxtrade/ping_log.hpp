#pragma once

#include "sandbox/dxtrade/auth.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tg::sandbox::dxtrade {

// What /ping did since the last reset, for tests that check a keepalive loop's timing.
// Sessions are told apart by their token, which never leaves this class.
class PingLog {
 public:
  explicit PingLog(Clock::time_point now) : reset_at_(now) {}

  void reset(Clock::time_point now);
  void reached(std::string_view token, Clock::time_point now);  // a ping that extended a live session
  void refused() { ++refused_; }                                 // any other /ping answer

  // {"pings","pingsRefused","sessionsPinged","firstPingMaxMs","minGapMs"}; the last two
  // are null until there is something to measure.
  boost::json::object report() const;

 private:
  struct Pinged {
    Clock::time_point first;
    Clock::time_point last;
  };

  Clock::time_point reset_at_;
  std::uint64_t reached_ = 0;
  std::uint64_t refused_ = 0;
  std::optional<Clock::duration> min_gap_;
  std::map<std::string, Pinged, std::less<>> sessions_;  // token → its pings since the reset
};

}  // namespace tg::sandbox::dxtrade
