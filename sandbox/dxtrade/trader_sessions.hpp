#pragma once

#include "sandbox/dxtrade/auth.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tg::sandbox::dxtrade {

// Trader sessions opened by /generateToken, keyed by their SSO token. A session lives
// while pinged at least every `inactivity_timeout`; the token opens the terminal once.
class TraderSessions {
 public:
  // `refuse_pings_before_use`: ping() is false for a token not redeemed yet.
  TraderSessions(std::chrono::milliseconds inactivity_timeout, bool refuse_pings_before_use)
      : inactivity_timeout_(inactivity_timeout), refuse_pings_before_use_(refuse_pings_before_use) {}

  struct State {
    bool alive = false;
    std::string login;
    std::string domain;
  };

  std::string create(std::string login, std::string domain, Clock::time_point now);  // → token
  bool ping(std::string_view token, Clock::time_point now);  // false: gone, unknown (or not used yet)
  bool end(std::string_view token, std::string_view login, std::string_view domain, Clock::time_point now);
  std::size_t end_all(std::string_view login, std::string_view domain, Clock::time_point now);
  // Marks the token used; false if it is unknown, used already, or its session is gone.
  bool redeem(std::string_view token, Clock::time_point now);
  // Login and domain are kept after the session ends, so the terminal can say who it was.
  State state(std::string_view token, Clock::time_point now);
  std::size_t live(Clock::time_point now);
  std::size_t live(std::string_view login, std::string_view domain, Clock::time_point now);

 private:
  struct Session {
    std::string login;
    std::string domain;
    Clock::time_point expires_at;
    bool ended = false;
    bool redeemed = false;
  };
  void expire(Clock::time_point now);
  Session* find_live(std::string_view token, Clock::time_point now);

  std::chrono::milliseconds inactivity_timeout_;
  bool refuse_pings_before_use_ = false;
  std::map<std::string, Session, std::less<>> sessions_;
};

}  // namespace tg::sandbox::dxtrade
