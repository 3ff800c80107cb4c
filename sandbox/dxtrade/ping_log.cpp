#include "sandbox/dxtrade/ping_log.hpp"

#include <algorithm>

namespace tg::sandbox::dxtrade {

namespace {

std::int64_t whole_ms(Clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

}  // namespace

void PingLog::reset(Clock::time_point now) {
  reset_at_ = now;
  reached_ = 0;
  refused_ = 0;
  min_gap_.reset();
  sessions_.clear();
}

void PingLog::reached(std::string_view token, Clock::time_point now) {
  ++reached_;
  const auto found = sessions_.find(token);
  if (found == sessions_.end()) {
    sessions_.emplace(token, Pinged{now, now});
    return;
  }
  const auto gap = now - found->second.last;
  min_gap_ = min_gap_ ? std::min(*min_gap_, gap) : gap;
  found->second.last = now;
}

boost::json::object PingLog::report() const {
  boost::json::object json{{"pings", reached_}, {"pingsRefused", refused_}, {"sessionsPinged", sessions_.size()}};
  std::optional<Clock::duration> first_ping_max;
  for (const auto& [token, pinged] : sessions_) {
    const auto since_reset = pinged.first - reset_at_;
    first_ping_max = first_ping_max ? std::max(*first_ping_max, since_reset) : since_reset;
  }
  json["firstPingMaxMs"] = first_ping_max ? boost::json::value(whole_ms(*first_ping_max)) : boost::json::value(nullptr);
  json["minGapMs"] = min_gap_ ? boost::json::value(whole_ms(*min_gap_)) : boost::json::value(nullptr);
  return json;
}

}  // namespace tg::sandbox::dxtrade
