// The shared state in an SQLite file: for one machine, surviving restarts (nonces and
// channel bindings are still known after one). One connection, WAL with
// synchronous=NORMAL (a process crash loses nothing committed; a power cut may lose the
// last moments, which for nonces and bindings is a window of a few seconds), prepared
// statements with bound parameters. Blocking: the gateway runs it on a StoreThread.
#pragma once

#include "gateway/state/blocking_store.hpp"

#include <filesystem>

struct sqlite3;
struct sqlite3_stmt;

namespace tg::state {

class SqliteStore final : public BlockingStore {
public:
    // Opens or creates the file (mode 0600) and its directories; throws
    // std::runtime_error naming the path and SQLite's message.
    explicit SqliteStore(const std::filesystem::path& path);
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    std::optional<std::string> get(const std::string& key, std::int64_t now_ms) override;
    void put(const std::string& key, const std::string& value, std::int64_t expires_ms) override;
    bool put_if_absent(const std::string& key, const std::string& value, std::int64_t expires_ms,
                       std::int64_t now_ms) override;
    bool put_if_equal(const std::string& key, const std::string& expected, const std::string& value,
                      std::int64_t expires_ms, std::int64_t now_ms) override;
    bool claim(const std::string& key, const std::string& owner, std::int64_t expires_ms,
               std::int64_t now_ms) override;
    bool remove_if(const std::string& key, const std::string& expected, std::int64_t now_ms) override;
    bool remove(const std::string& key, std::int64_t now_ms) override;
    void set_add(const std::string& key, const std::string& member) override;
    bool set_remove(const std::string& key, const std::string& member) override;
    std::vector<std::string> set_members(const std::string& key) override;
    std::size_t set_size(const std::string& key) override;
    std::vector<std::string> set_take(const std::string& key, std::size_t count) override;
    std::size_t remove_expired(std::int64_t now_ms) override;
    bool healthy() noexcept override;

private:
    enum Statement {
        get_value, put_value, put_absent, put_equal, claim_value, remove_equal, remove_live, expire, health,
        add_member, remove_member, list_members, count_members, take_members, count
    };

    sqlite3_stmt* prepared(Statement which);
    // Runs a prepared statement with its parameters bound; the rows it changed.
    int run(Statement which, const char* what);
    // A write (put_value, put_absent, put_equal, claim_value): ?1 key, ?2 value, ?3 expiry, ?4 now.
    int write(Statement which, const std::string& key, const std::string& value, std::int64_t expires_ms,
              std::int64_t now_ms);
    // Steps a statement with its parameters bound; its rows' first column.
    std::vector<std::string> column_of(Statement which, const char* what);
    [[noreturn]] void fail(const char* what) const;

    std::filesystem::path path_;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* statements_[count] = {};
};

}  // namespace tg::state
