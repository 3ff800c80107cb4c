#include "sandbox/dxtrade/trader_sessions.hpp"

#include "sandbox/common/random_id.hpp"

namespace tg::sandbox::dxtrade {

void TraderSessions::expire(Clock::time_point now) {
  for (auto& [token, session] : sessions_) {
    if (session.expires_at <= now) session.ended = true;
  }
}

TraderSessions::Session* TraderSessions::find_live(std::string_view token, Clock::time_point now) {
  expire(now);
  const auto found = sessions_.find(token);
  return found == sessions_.end() || found->second.ended ? nullptr : &found->second;
}

std::string TraderSessions::create(std::string login, std::string domain, Clock::time_point now) {
  std::string token = random_hex_id(32);
  sessions_.emplace(token, Session{std::move(login), std::move(domain), now + inactivity_timeout_});
  return token;
}

bool TraderSessions::ping(std::string_view token, Clock::time_point now) {
  Session* session = find_live(token, now);
  if (session && refuse_pings_before_use_ && !session->redeemed) return false;
  if (session) session->expires_at = now + inactivity_timeout_;
  return session != nullptr;
}

bool TraderSessions::end(std::string_view token, std::string_view login, std::string_view domain,
                         Clock::time_point now) {
  Session* session = find_live(token, now);
  if (!session || session->login != login || session->domain != domain) return false;
  session->ended = true;
  return true;
}

std::size_t TraderSessions::end_all(std::string_view login, std::string_view domain, Clock::time_point now) {
  expire(now);
  std::size_t ended = 0;
  for (auto& [token, session] : sessions_) {
    if (!session.ended && session.login == login && session.domain == domain) {
      session.ended = true;
      ++ended;
    }
  }
  return ended;
}

bool TraderSessions::redeem(std::string_view token, Clock::time_point now) {
  Session* session = find_live(token, now);
  if (!session || session->redeemed) return false;
  session->redeemed = true;
  return true;
}

TraderSessions::State TraderSessions::state(std::string_view token, Clock::time_point now) {
  expire(now);
  const auto found = sessions_.find(token);
  if (found == sessions_.end()) return {};
  return {!found->second.ended, found->second.login, found->second.domain};
}

std::size_t TraderSessions::live(Clock::time_point now) {
  expire(now);
  std::size_t count = 0;
  for (const auto& [token, session] : sessions_) count += session.ended ? 0 : 1;
  return count;
}

std::size_t TraderSessions::live(std::string_view login, std::string_view domain, Clock::time_point now) {
  expire(now);
  std::size_t count = 0;
  for (const auto& [token, session] : sessions_) {
    count += !session.ended && session.login == login && session.domain == domain ? 1 : 0;
  }
  return count;
}

}  // namespace tg::sandbox::dxtrade
