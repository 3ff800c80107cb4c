#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tg::sandbox::portal {

using Clock = std::chrono::system_clock;

struct Session {
  std::string user_id;
  Clock::time_point expires_at;
};

// In-memory sessions keyed by a random 32-hex-char id. Callers pass `now` so that
// expiry can be tested without waiting.
class SessionStore {
 public:
  explicit SessionStore(std::chrono::seconds ttl);

  // Returns the new session's id.
  std::string create(std::string user_id, Clock::time_point now);
  // The live session with this id; an expired one is dropped and not returned.
  std::optional<Session> find(std::string_view id, Clock::time_point now);
  void erase(std::string_view id);

 private:
  void erase_expired(Clock::time_point now);

  std::chrono::seconds ttl_;
  std::map<std::string, Session, std::less<>> sessions_;
};

}  // namespace tg::sandbox::portal
