#pragma once

// SQLite SessionStore, the default backend (Debian libsqlite3-dev, C API).
//
// One connection, journal_mode=WAL, synchronous=FULL (put() is on disk when it returns, so
// a kill -9 loses nothing acknowledged), busy_timeout 5 s. Prepared statements with bound
// parameters only. The schema is created if missing; schema_version holds its version and
// a database from a newer version is refused. The token column holds only the AES-256-GCM
// ciphertext (TokenCipher, session id as associated data), never the plaintext. A row whose
// token does not decrypt (wrong key secret, corruption) is reported in
// LoadResult::undecryptable instead of failing the whole load.
//
// Blocking: call only from the store thread (see session_store.hpp).

#include "proto_handlers/common/sessions/session_store.hpp"
#include "proto_handlers/common/sessions/token_cipher.hpp"

#include <filesystem>
#include <mutex>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace tg::sessions {

class SqliteSessionStore final : public SessionStore {
public:
    static constexpr int kSchemaVersion = 1;

    // Opens (creating the file and its parent directories if needed) and prepares the
    // database. Throws std::runtime_error naming the path and SQLite's message;
    // std::invalid_argument on an empty key secret.
    SqliteSessionStore(const std::filesystem::path& path, std::string_view key_secret);
    ~SqliteSessionStore() override;
    SqliteSessionStore(const SqliteSessionStore&) = delete;
    SqliteSessionStore& operator=(const SqliteSessionStore&) = delete;

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
    bool healthy() noexcept override;

private:
    enum Stmt { kPut, kRemove, kFind, kLive, kPending, kMark, kPing, kExpire, kMaxId, kCount, kHealth, kStmtCount };

    void exec(const char* sql);
    [[noreturn]] void fail(const char* what) const;
    sqlite3_stmt* stmt(Stmt which);  // reset, bindings cleared
    void step_done(sqlite3_stmt* s, const char* what);
    LoadResult read_rows(sqlite3_stmt* s, const char* what);

    std::filesystem::path path_;
    TokenCipher cipher_;
    std::mutex mutex_;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmts_[kStmtCount] = {};
};

}  // namespace tg::sessions
