#include "gateway/state/sqlite_store.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

namespace tg::state {
namespace {

constexpr const char* statement_text[] = {
    // get_value: ?1 key, ?2 now
    "SELECT value FROM shared_state WHERE key = ?1 AND expires_ms > ?2",
    // put_value: ?1 key, ?2 value, ?3 expires
    "INSERT INTO shared_state (key, value, expires_ms) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_ms = excluded.expires_ms",
    // put_absent: ?4 now; replaces only an expired entry
    "INSERT INTO shared_state (key, value, expires_ms) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_ms = excluded.expires_ms"
    " WHERE shared_state.expires_ms <= ?4",
    // put_equal: ?1 key, ?2 value, ?3 expires, ?4 now, ?5 expected; only a live entry holding it
    "UPDATE shared_state SET value = ?2, expires_ms = ?3 WHERE key = ?1 AND expires_ms > ?4 AND value = ?5",
    // claim_value: also refreshes the owner's own entry
    "INSERT INTO shared_state (key, value, expires_ms) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_ms = excluded.expires_ms"
    " WHERE shared_state.expires_ms <= ?4 OR shared_state.value = excluded.value",
    // remove_equal: ?1 key, ?2 expected, ?3 now
    "DELETE FROM shared_state WHERE key = ?1 AND value = ?2 AND expires_ms > ?3",
    // remove_live: ?1 key, ?2 now (an expired entry goes too, but does not count)
    "DELETE FROM shared_state WHERE key = ?1 RETURNING expires_ms > ?2",
    // expire: ?1 now
    "DELETE FROM shared_state WHERE expires_ms <= ?1",
    // health
    "SELECT 1",
    // add_member: ?1 key, ?2 member
    "INSERT OR IGNORE INTO shared_sets (key, member) VALUES (?1, ?2)",
    // remove_member: ?1 key, ?2 member
    "DELETE FROM shared_sets WHERE key = ?1 AND member = ?2",
    // list_members: ?1 key
    "SELECT member FROM shared_sets WHERE key = ?1",
    // count_members: ?1 key
    "SELECT COUNT(*) FROM shared_sets WHERE key = ?1",
    // take_members: ?1 key, ?2 how many
    "DELETE FROM shared_sets WHERE key = ?1 AND member IN"
    " (SELECT member FROM shared_sets WHERE key = ?1 LIMIT ?2) RETURNING member",
};

// Resets a statement (ending its transaction) and drops its bindings on scope exit.
struct ResetGuard {
    sqlite3_stmt* statement;
    ~ResetGuard() {
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
    }
};

void bind_text(sqlite3_stmt* statement, int index, const std::string& text) {
    sqlite3_bind_blob(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

}  // namespace

SqliteStore::SqliteStore(const std::filesystem::path& path) : path_(path) {
    if (path_.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(path_.parent_path(), ec);
        if (ec) throw std::runtime_error("shared state " + path_.string() + ": cannot create directory: " + ec.message());
    }
    if (const int fd = ::open(path_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600); fd >= 0) ::close(fd);
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw std::runtime_error("shared state " + path_.string() + ": cannot open: " + message);
    }
    try {
        sqlite3_busy_timeout(db_, 2000);
        for (const char* setup : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                                  "CREATE TABLE IF NOT EXISTS shared_state (key BLOB PRIMARY KEY, value BLOB NOT NULL,"
                                  " expires_ms INTEGER NOT NULL) WITHOUT ROWID",
                                  "CREATE TABLE IF NOT EXISTS shared_sets (key BLOB NOT NULL, member BLOB NOT NULL,"
                                  " PRIMARY KEY (key, member)) WITHOUT ROWID"}) {
            if (sqlite3_exec(db_, setup, nullptr, nullptr, nullptr) != SQLITE_OK) fail("setting up the database");
        }
        for (int i = 0; i < count; ++i) {
            if (sqlite3_prepare_v3(db_, statement_text[i], -1, SQLITE_PREPARE_PERSISTENT, &statements_[i], nullptr) !=
                SQLITE_OK) {
                fail("preparing a statement");
            }
        }
    } catch (...) {
        for (auto* statement : statements_) sqlite3_finalize(statement);
        sqlite3_close(db_);
        throw;
    }
}

SqliteStore::~SqliteStore() {
    for (auto* statement : statements_) sqlite3_finalize(statement);
    sqlite3_close(db_);
}

void SqliteStore::fail(const char* what) const {
    throw std::runtime_error("shared state " + path_.string() + ": " + what + ": " + sqlite3_errmsg(db_));
}

sqlite3_stmt* SqliteStore::prepared(Statement which) { return statements_[which]; }

int SqliteStore::run(Statement which, const char* what) {
    auto* statement = prepared(which);
    ResetGuard reset{statement};
    int rc = SQLITE_ROW;
    int changed_rows = 0;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        if (which == remove_live) changed_rows += sqlite3_column_int(statement, 0);  // RETURNING: a live row
    }
    if (rc != SQLITE_DONE) fail(what);
    return which == remove_live ? changed_rows : sqlite3_changes(db_);
}

std::optional<std::string> SqliteStore::get(const std::string& key, std::int64_t now_ms) {
    auto* statement = prepared(get_value);
    ResetGuard reset{statement};
    bind_text(statement, 1, key);
    sqlite3_bind_int64(statement, 2, now_ms);
    const int rc = sqlite3_step(statement);
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) fail("reading");
    const auto* data = static_cast<const char*>(sqlite3_column_blob(statement, 0));
    return std::string(data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(statement, 0)));
}

int SqliteStore::write(Statement which, const std::string& key, const std::string& value, std::int64_t expires_ms,
                       std::int64_t now_ms) {
    auto* statement = prepared(which);
    bind_text(statement, 1, key);
    bind_text(statement, 2, value);
    sqlite3_bind_int64(statement, 3, expires_ms);
    if (which != put_value) sqlite3_bind_int64(statement, 4, now_ms);
    return run(which, "writing");
}

void SqliteStore::put(const std::string& key, const std::string& value, std::int64_t expires_ms) {
    write(put_value, key, value, expires_ms, 0);
}

bool SqliteStore::put_if_absent(const std::string& key, const std::string& value, std::int64_t expires_ms,
                                std::int64_t now_ms) {
    return write(put_absent, key, value, expires_ms, now_ms) == 1;
}

bool SqliteStore::put_if_equal(const std::string& key, const std::string& expected, const std::string& value,
                               std::int64_t expires_ms, std::int64_t now_ms) {
    bind_text(prepared(put_equal), 5, expected);  // write() binds the rest; run() clears them all
    return write(put_equal, key, value, expires_ms, now_ms) == 1;
}

bool SqliteStore::claim(const std::string& key, const std::string& owner, std::int64_t expires_ms,
                        std::int64_t now_ms) {
    return write(claim_value, key, owner, expires_ms, now_ms) == 1;
}

bool SqliteStore::remove_if(const std::string& key, const std::string& expected, std::int64_t now_ms) {
    auto* statement = prepared(remove_equal);
    bind_text(statement, 1, key);
    bind_text(statement, 2, expected);
    sqlite3_bind_int64(statement, 3, now_ms);
    return run(remove_equal, "deleting") == 1;
}

bool SqliteStore::remove(const std::string& key, std::int64_t now_ms) {
    auto* statement = prepared(remove_live);
    bind_text(statement, 1, key);
    sqlite3_bind_int64(statement, 2, now_ms);
    return run(remove_live, "deleting") == 1;
}

void SqliteStore::set_add(const std::string& key, const std::string& member) {
    auto* statement = prepared(add_member);
    bind_text(statement, 1, key);
    bind_text(statement, 2, member);
    run(add_member, "adding to a set");
}

bool SqliteStore::set_remove(const std::string& key, const std::string& member) {
    auto* statement = prepared(remove_member);
    bind_text(statement, 1, key);
    bind_text(statement, 2, member);
    return run(remove_member, "removing from a set") == 1;
}

std::vector<std::string> SqliteStore::column_of(Statement which, const char* what) {
    auto* statement = prepared(which);
    ResetGuard reset{statement};
    std::vector<std::string> values;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        const auto* data = static_cast<const char*>(sqlite3_column_blob(statement, 0));
        values.emplace_back(data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(statement, 0)));
    }
    if (rc != SQLITE_DONE) fail(what);
    return values;
}

std::vector<std::string> SqliteStore::set_members(const std::string& key) {
    bind_text(prepared(list_members), 1, key);
    return column_of(list_members, "reading a set");
}

std::vector<std::string> SqliteStore::set_take(const std::string& key, std::size_t count) {
    auto* statement = prepared(take_members);
    bind_text(statement, 1, key);
    sqlite3_bind_int64(statement, 2, static_cast<sqlite3_int64>(std::min<std::size_t>(count, INT64_MAX)));
    return column_of(take_members, "taking from a set");
}

std::size_t SqliteStore::set_size(const std::string& key) {
    auto* statement = prepared(count_members);
    ResetGuard reset{statement};
    bind_text(statement, 1, key);
    if (sqlite3_step(statement) != SQLITE_ROW) fail("counting a set");
    return static_cast<std::size_t>(sqlite3_column_int64(statement, 0));
}

std::size_t SqliteStore::remove_expired(std::int64_t now_ms) {
    sqlite3_bind_int64(prepared(expire), 1, now_ms);
    return static_cast<std::size_t>(run(expire, "deleting expired entries"));
}

bool SqliteStore::healthy() noexcept {
    auto* statement = statements_[health];
    ResetGuard reset{statement};
    return sqlite3_step(statement) == SQLITE_ROW;
}

}  // namespace tg::state
