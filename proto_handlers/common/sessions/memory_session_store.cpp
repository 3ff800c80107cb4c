#include "proto_handlers/common/sessions/memory_session_store.hpp"

namespace tg::sessions {

void MemorySessionStore::put(const SessionRecord& record) {
    std::lock_guard lock(mutex_);
    records_.insert_or_assign(record.id, record);
}

bool MemorySessionStore::remove(SessionId id) {
    std::lock_guard lock(mutex_);
    return records_.erase(id) > 0;
}

std::vector<SessionRecord> MemorySessionStore::find_by_login(std::string_view login,
                                                             std::string_view domain) {
    std::lock_guard lock(mutex_);
    std::vector<SessionRecord> out;
    for (const auto& [id, r] : records_)
        if (r.login == login && r.domain == domain) out.push_back(r);
    return out;
}

LoadResult MemorySessionStore::load_live(std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    LoadResult out;
    for (const auto& [id, r] : records_)
        if (r.live_at(now_ms)) out.records.push_back(r);
    return out;
}

LoadResult MemorySessionStore::load_pending_logouts() {
    std::lock_guard lock(mutex_);
    LoadResult out;
    for (const auto& [id, r] : records_)
        if (r.logout_pending) out.records.push_back(r);
    return out;
}

bool MemorySessionStore::mark_logout_pending(SessionId id, std::int64_t next_attempt_ms) {
    std::lock_guard lock(mutex_);
    auto it = records_.find(id);
    if (it == records_.end()) return false;
    it->second.logout_pending = true;
    it->second.logout_next_attempt_ms = next_attempt_ms;
    return true;
}

bool MemorySessionStore::update_ping(SessionId id, std::int64_t last_ping_ms,
                                     std::uint32_t failures) {
    std::lock_guard lock(mutex_);
    auto it = records_.find(id);
    if (it == records_.end()) return false;
    it->second.last_ping_ms = last_ping_ms;
    it->second.failures = failures;
    return true;
}

std::size_t MemorySessionStore::remove_expired(std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    return std::erase_if(records_, [now_ms](const auto& entry) {
        return !entry.second.logout_pending && !entry.second.live_at(now_ms);
    });
}

SessionId MemorySessionStore::max_id() {
    std::lock_guard lock(mutex_);
    return records_.empty() ? 0 : records_.rbegin()->first;
}

std::size_t MemorySessionStore::count() {
    std::lock_guard lock(mutex_);
    return records_.size();
}

}  // namespace tg::sessions
