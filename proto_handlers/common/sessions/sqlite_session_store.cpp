#include "proto_handlers/common/sessions/sqlite_session_store.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <system_error>

namespace tg::sessions {
namespace {

constexpr const char* kColumns =
    "id, user_id, login, domain, token, created_ms, last_ping_ms, expires_at_s, failures, "
    "logout_pending, logout_next_attempt_ms";

// SQLite integers are signed 64-bit: ids are stored bit-for-bit.
std::int64_t to_db(SessionId id) noexcept { return static_cast<std::int64_t>(id); }
SessionId from_db(std::int64_t v) noexcept { return static_cast<SessionId>(v); }

// The session id is authenticated with the token, so a ciphertext moved to another row
// does not decrypt.
std::string associated_data(SessionId id) { return "tg-session:" + std::to_string(id); }

std::string column_text(sqlite3_stmt* s, int col) {
    const auto* p = sqlite3_column_text(s, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(s, col)))
             : std::string();
}

// Resets a statement (ending its read transaction) and drops its bindings on scope exit.
struct ResetGuard {
    sqlite3_stmt* s;
    ~ResetGuard() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
};

}  // namespace

SqliteSessionStore::SqliteSessionStore(const std::filesystem::path& path,
                                       std::string_view key_secret)
    : path_(path), cipher_(key_secret) {
    if (path_.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(path_.parent_path(), ec);
        if (ec)
            throw std::runtime_error("session store " + path_.string() +
                                     ": cannot create directory: " + ec.message());
    }
    // The file holds (encrypted) tokens: readable by the gateway's user only. SQLite gives
    // its -wal and -shm files the database file's permissions.
    if (const int fd = ::open(path_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600); fd >= 0) ::close(fd);
    const int rc = sqlite3_open_v2(path_.c_str(), &db_,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                       SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    try {
        if (rc != SQLITE_OK) fail("cannot open");
        sqlite3_extended_result_codes(db_, 1);
        if (sqlite3_busy_timeout(db_, 5000) != SQLITE_OK) fail("busy_timeout");

        // journal_mode answers with the mode in effect; anything but wal is an error.
        {
            sqlite3_stmt* s = nullptr;
            if (sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &s, nullptr) != SQLITE_OK)
                fail("PRAGMA journal_mode");
            std::string mode;
            if (sqlite3_step(s) == SQLITE_ROW) mode = column_text(s, 0);
            sqlite3_finalize(s);
            std::transform(mode.begin(), mode.end(), mode.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (mode != "wal")
                throw std::runtime_error("session store " + path_.string() +
                                         ": cannot enable WAL mode (journal_mode=" + mode + ")");
        }
        exec("PRAGMA synchronous=FULL");
        exec("PRAGMA foreign_keys=ON");

        exec("BEGIN IMMEDIATE");
        try {
            exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
            int version = 0;
            {
                sqlite3_stmt* s = nullptr;
                if (sqlite3_prepare_v2(db_, "SELECT MAX(version) FROM schema_version", -1, &s,
                                       nullptr) != SQLITE_OK)
                    fail("read schema version");
                if (sqlite3_step(s) == SQLITE_ROW) version = sqlite3_column_int(s, 0);
                sqlite3_finalize(s);
            }
            if (version > kSchemaVersion)
                throw std::runtime_error("session store " + path_.string() + ": schema version " +
                                         std::to_string(version) + " is newer than supported " +
                                         std::to_string(kSchemaVersion));
            if (version < 1) {
                exec("CREATE TABLE IF NOT EXISTS sessions ("
                     " id INTEGER PRIMARY KEY,"
                     " user_id TEXT NOT NULL,"
                     " login TEXT NOT NULL,"
                     " domain TEXT NOT NULL,"
                     " token BLOB NOT NULL,"  // AES-256-GCM iv|ciphertext|tag only
                     " created_ms INTEGER NOT NULL,"
                     " last_ping_ms INTEGER NOT NULL,"
                     " expires_at_s INTEGER NOT NULL,"
                     " failures INTEGER NOT NULL,"
                     " logout_pending INTEGER NOT NULL,"
                     " logout_next_attempt_ms INTEGER NOT NULL)");
                exec("CREATE INDEX IF NOT EXISTS sessions_login ON sessions (login, domain)");
                exec("DELETE FROM schema_version");
                exec("INSERT INTO schema_version (version) VALUES (1)");
            }
            exec("COMMIT");
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }

        const std::string cols = kColumns;
        const std::string sql[kStmtCount] = {
            "INSERT OR REPLACE INTO sessions (" + cols +
                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            "DELETE FROM sessions WHERE id = ?1",
            "SELECT " + cols + " FROM sessions WHERE login = ?1 AND domain = ?2",
            "SELECT " + cols +
                " FROM sessions WHERE logout_pending = 0 AND"
                " (expires_at_s = 0 OR expires_at_s * 1000 > ?1)",
            "SELECT " + cols + " FROM sessions WHERE logout_pending <> 0",
            "UPDATE sessions SET logout_pending = 1, logout_next_attempt_ms = ?2 WHERE id = ?1",
            "UPDATE sessions SET last_ping_ms = ?2, failures = ?3 WHERE id = ?1",
            "DELETE FROM sessions WHERE logout_pending = 0 AND expires_at_s <> 0 AND expires_at_s * 1000 <= ?1",
            "SELECT COALESCE(MAX(id), 0) FROM sessions",
            "SELECT COUNT(*) FROM sessions",
            "SELECT 1",
        };
        for (int i = 0; i < kStmtCount; ++i)
            if (sqlite3_prepare_v3(db_, sql[i].c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmts_[i],
                                   nullptr) != SQLITE_OK)
                fail("prepare statement");
    } catch (...) {
        for (auto*& s : stmts_) {
            sqlite3_finalize(s);
            s = nullptr;
        }
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
}

SqliteSessionStore::~SqliteSessionStore() {
    for (auto* s : stmts_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
}

void SqliteSessionStore::exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
}

void SqliteSessionStore::fail(const char* what) const {
    throw std::runtime_error("session store " + path_.string() + ": " + what + ": " +
                             (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

sqlite3_stmt* SqliteSessionStore::stmt(Stmt which) {
    sqlite3_stmt* s = stmts_[which];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

void SqliteSessionStore::step_done(sqlite3_stmt* s, const char* what) {
    if (sqlite3_step(s) != SQLITE_DONE) fail(what);
}

LoadResult SqliteSessionStore::read_rows(sqlite3_stmt* s, const char* what) {
    LoadResult out;
    for (;;) {
        const int rc = sqlite3_step(s);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) fail(what);
        const SessionId id = from_db(sqlite3_column_int64(s, 0));
        const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 4));
        const auto blob_size = static_cast<std::size_t>(sqlite3_column_bytes(s, 4));
        auto token = cipher_.decrypt(std::span<const std::uint8_t>(blob, blob ? blob_size : 0),
                                     associated_data(id));
        if (!token) {
            out.undecryptable.push_back(id);
            continue;
        }
        SessionRecord r;
        r.id = id;
        r.user_id = column_text(s, 1);
        r.login = column_text(s, 2);
        r.domain = column_text(s, 3);
        r.token = SecretString(std::move(*token));
        r.created_ms = sqlite3_column_int64(s, 5);
        r.last_ping_ms = sqlite3_column_int64(s, 6);
        r.expires_at_s = sqlite3_column_int64(s, 7);
        r.failures = static_cast<std::uint32_t>(sqlite3_column_int64(s, 8));
        r.logout_pending = sqlite3_column_int64(s, 9) != 0;
        r.logout_next_attempt_ms = sqlite3_column_int64(s, 10);
        out.records.push_back(std::move(r));
    }
    std::sort(out.records.begin(), out.records.end(),
              [](const SessionRecord& a, const SessionRecord& b) { return a.id < b.id; });
    std::sort(out.undecryptable.begin(), out.undecryptable.end());
    return out;
}

void SqliteSessionStore::put(const SessionRecord& r) {
    std::lock_guard lock(mutex_);
    const auto sealed = cipher_.encrypt(r.token.reveal(), associated_data(r.id));
    sqlite3_stmt* s = stmt(kPut);
    ResetGuard guard{s};
    const auto text = [s](int i, const std::string& v) {
        return sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    };
    if (sqlite3_bind_int64(s, 1, to_db(r.id)) != SQLITE_OK || text(2, r.user_id) != SQLITE_OK ||
        text(3, r.login) != SQLITE_OK || text(4, r.domain) != SQLITE_OK ||
        sqlite3_bind_blob(s, 5, sealed.data(), static_cast<int>(sealed.size()), SQLITE_STATIC) !=
            SQLITE_OK ||
        sqlite3_bind_int64(s, 6, r.created_ms) != SQLITE_OK ||
        sqlite3_bind_int64(s, 7, r.last_ping_ms) != SQLITE_OK ||
        sqlite3_bind_int64(s, 8, r.expires_at_s) != SQLITE_OK ||
        sqlite3_bind_int64(s, 9, r.failures) != SQLITE_OK ||
        sqlite3_bind_int(s, 10, r.logout_pending ? 1 : 0) != SQLITE_OK ||
        sqlite3_bind_int64(s, 11, r.logout_next_attempt_ms) != SQLITE_OK)
        fail("put: bind");
    step_done(s, "put");
}

bool SqliteSessionStore::remove(SessionId id) {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = stmt(kRemove);
    ResetGuard guard{s};
    if (sqlite3_bind_int64(s, 1, to_db(id)) != SQLITE_OK) fail("remove: bind");
    step_done(s, "remove");
    return sqlite3_changes(db_) > 0;
}

std::vector<SessionRecord> SqliteSessionStore::find_by_login(std::string_view login,
                                                             std::string_view domain) {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = stmt(kFind);
    ResetGuard guard{s};
    if (sqlite3_bind_text(s, 1, login.data(), static_cast<int>(login.size()), SQLITE_STATIC) !=
            SQLITE_OK ||
        sqlite3_bind_text(s, 2, domain.data(), static_cast<int>(domain.size()), SQLITE_STATIC) !=
            SQLITE_OK)
        fail("find_by_login: bind");
    return read_rows(s, "find_by_login").records;
}

LoadResult SqliteSessionStore::load_live(std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = stmt(kLive);
    ResetGuard guard{s};
    if (sqlite3_bind_int64(s, 1, now_ms) != SQLITE_OK) fail("load_live: bind");
    return read_rows(s, "load_live");
}

LoadResult SqliteSessionStore::load_pending_logouts() {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = stmt(kPending);
    ResetGuard guard{s};
    return read_rows(s, "load_pending_logouts");
}

bool SqliteSessionStore::mark_logout_pending(SessionId id, std::int64_t next_attempt_ms) {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = stmt(kMark);
    ResetGuard guard{s};
    if (sqlite3_bind_int64(s, 1, to_db(id)) != SQLITE_OK ||
        sqlite3_bind_int64(s, 2, next_attempt_ms) != SQLITE_OK)
        fail("mark_logout_pending: bind");
    step_done(s, "mark_logout_pending");
    return sqlite3_changes(db_) > 0;
}

bool SqliteSessionStore::update_ping(SessionId id, std::int64_t last_ping_ms,
                                     std::uint32_t failures) {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = stmt(kPing);
    ResetGuard guard{s};
    if (sqlite3_bind_int64(s, 1, to_db(id)) != SQLITE_OK ||
        sqlite3_bind_int64(s, 2, last_ping_ms) != SQLITE_OK ||
        sqlite3_bind_int64(s, 3, failures) != SQLITE_OK)
        fail("update_ping: bind");
    step_done(s, "update_ping");
    return sqlite3_changes(db_) > 0;
}

std::size_t SqliteSessionStore::remove_expired(std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = stmt(kExpire);
    ResetGuard guard{s};
    if (sqlite3_bind_int64(s, 1, now_ms) != SQLITE_OK) fail("remove_expired: bind");
    step_done(s, "remove_expired");
    return static_cast<std::size_t>(sqlite3_changes(db_));
}

SessionId SqliteSessionStore::max_id() {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = stmt(kMaxId);
    ResetGuard guard{s};
    if (sqlite3_step(s) != SQLITE_ROW) fail("max_id");
    return from_db(sqlite3_column_int64(s, 0));
}

std::size_t SqliteSessionStore::count() {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = stmt(kCount);
    ResetGuard guard{s};
    if (sqlite3_step(s) != SQLITE_ROW) fail("count");
    return static_cast<std::size_t>(sqlite3_column_int64(s, 0));
}

bool SqliteSessionStore::healthy() noexcept {
    try {
        std::lock_guard lock(mutex_);
        if (!db_) return false;
        sqlite3_stmt* s = stmt(kHealth);
        ResetGuard guard{s};
        return sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 1;
    } catch (...) {
        return false;
    }
}

}  // namespace tg::sessions
