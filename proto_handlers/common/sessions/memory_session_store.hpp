#pragma once

// In-memory SessionStore for tests: std::map + mutex, nothing survives the process.

#include "proto_handlers/common/sessions/session_store.hpp"

#include <map>
#include <mutex>

namespace tg::sessions {

class MemorySessionStore final : public SessionStore {
public:
    void put(const SessionRecord& record) override;
    bool remove(SessionId id) override;
    std::vector<SessionRecord> find_by_login(std::string_view login,
                                             std::string_view domain) override;
    LoadResult load_live(std::int64_t now_ms) override;
    LoadResult load_pending_logouts() override;
    bool mark_logout_pending(SessionId id, std::int64_t next_attempt_ms) override;
    bool update_ping(SessionId id, std::int64_t last_ping_ms, std::uint32_t failures) override;
    std::size_t remove_expired(std::int64_t now_ms) override;
    SessionId max_id() override;
    std::size_t count() override;
    bool healthy() noexcept override { return true; }

private:
    std::mutex mutex_;
    std::map<SessionId, SessionRecord> records_;
};

}  // namespace tg::sessions
