#pragma once

#include "sandbox/common/http_types.hpp"

#include <chrono>
#include <map>
#include <string>

namespace tg::sandbox::dxtrade {

using Clock = std::chrono::steady_clock;

// The dxWeb API's own authentication: HTTP Basic `username@domain:password`, or
// `Authorization: DXAPI <sessionToken>` with a token from POST /login that expires
// `session_timeout` after it was issued.
class ApiAuth {
 public:
  ApiAuth(std::string username, std::string domain, std::string password, std::chrono::milliseconds session_timeout);

  // POST /login with JSON {username, domain, password}: 200 {"sessionToken","timeout"},
  // 400 for an unreadable body, 401 for wrong credentials.
  Response login(const Request& request, Clock::time_point now);

  bool authorized(const Request& request, Clock::time_point now);
  std::size_t live_api_sessions(Clock::time_point now);

 private:
  bool credentials_match(std::string_view username, std::string_view domain, std::string_view password) const;
  void purge(Clock::time_point now);

  std::string username_;
  std::string domain_;
  std::string password_;
  std::chrono::milliseconds session_timeout_;
  std::map<std::string, Clock::time_point, std::less<>> sessions_;  // token → expiry
};

}  // namespace tg::sandbox::dxtrade
