#include "sandbox/portal/session_store.hpp"

#include "sandbox/common/random_id.hpp"

namespace tg::sandbox::portal {

SessionStore::SessionStore(std::chrono::seconds ttl) : ttl_(ttl) {}

std::string SessionStore::create(std::string user_id, Clock::time_point now) {
  erase_expired(now);  // keeps the store from growing with abandoned sessions
  std::string id = random_hex_id();
  sessions_.insert_or_assign(id, Session{std::move(user_id), now + ttl_});
  return id;
}

std::optional<Session> SessionStore::find(std::string_view id, Clock::time_point now) {
  const auto session = sessions_.find(id);
  if (session == sessions_.end()) return std::nullopt;
  if (now >= session->second.expires_at) {
    sessions_.erase(session);
    return std::nullopt;
  }
  return session->second;
}

void SessionStore::erase(std::string_view id) {
  if (const auto session = sessions_.find(id); session != sessions_.end()) sessions_.erase(session);
}

void SessionStore::erase_expired(Clock::time_point now) {
  std::erase_if(sessions_, [now](const auto& entry) { return now >= entry.second.expires_at; });
}

}  // namespace tg::sandbox::portal
