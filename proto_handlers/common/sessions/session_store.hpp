#pragma once

// The session store interface (DESIGN.md, "Sessions and the ping scheduler"). Backends:
// memory (tests) and sqlite (the default, survives restarts and kill -9).
//
// Synchronous and blocking: the gateway calls it only from a dedicated store thread (work
// is posted there), never from the I/O worker threads. Implementations serialise calls
// internally, so calling from several threads is safe but not faster.
// put() is durable when it returns (sqlite: WAL + synchronous=FULL), so a session may be
// acknowledged to the browser once put() has returned.
// Times: *_ms are Unix ms, expires_at_s is Unix s (0 = none). Errors: std::runtime_error
// (never containing a token), except healthy(), which never throws.

#include "proto_handlers/common/sessions/session_record.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tg::sessions {

struct LoadResult {
    std::vector<SessionRecord> records;
    // Rows whose token could not be decrypted (wrong key, corruption): not returned in
    // records; the caller should report and remove them.
    std::vector<SessionId> undecryptable;
};

class SessionStore {
public:
    virtual ~SessionStore() = default;

    // Insert, or replace the record with the same id.
    virtual void put(const SessionRecord& record) = 0;
    // False if there was no such record.
    virtual bool remove(SessionId id) = 0;
    // All records (live or not) of login@domain, in id order. Undecryptable rows skipped.
    [[nodiscard]] virtual std::vector<SessionRecord> find_by_login(std::string_view login,
                                                                   std::string_view domain) = 0;
    // Records live at now_ms (SessionRecord::live_at), in id order: resume their pings.
    [[nodiscard]] virtual LoadResult load_live(std::int64_t now_ms) = 0;
    // Records queued for DXtrade logout, in id order.
    [[nodiscard]] virtual LoadResult load_pending_logouts() = 0;
    // Queue the DXtrade logout (or reschedule it). False if there is no such record.
    virtual bool mark_logout_pending(SessionId id, std::int64_t next_attempt_ms) = 0;
    // False if there is no such record.
    virtual bool update_ping(SessionId id, std::int64_t last_ping_ms,
                             std::uint32_t failures) = 0;
    // Removes the records that are neither live at now_ms nor queued for logout (their
    // partner session expired while the gateway was down); returns how many.
    virtual std::size_t remove_expired(std::int64_t now_ms) = 0;
    // The largest id ever stored and not removed, 0 if none: new ids start above it.
    [[nodiscard]] virtual SessionId max_id() = 0;
    [[nodiscard]] virtual std::size_t count() = 0;
    // For /readyz: a trivial query succeeds.
    [[nodiscard]] virtual bool healthy() noexcept = 0;
};

}  // namespace tg::sessions
