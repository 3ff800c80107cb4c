// The shared state's blocking backends: memory (answers at once) and SQLite (may wait on
// the disk, so it runs on a StoreThread). Times are Unix milliseconds: an SQLite file
// outlives the process, and a steady clock does not. An entry whose expiry has passed is
// absent to every call. Errors: std::runtime_error, never naming a key or value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tg::state {

class BlockingStore {
public:
    virtual ~BlockingStore() = default;
    virtual std::optional<std::string> get(const std::string& key, std::int64_t now_ms) = 0;
    virtual void put(const std::string& key, const std::string& value, std::int64_t expires_ms) = 0;
    virtual bool put_if_absent(const std::string& key, const std::string& value, std::int64_t expires_ms,
                               std::int64_t now_ms) = 0;
    virtual bool put_if_equal(const std::string& key, const std::string& expected, const std::string& value,
                              std::int64_t expires_ms, std::int64_t now_ms) = 0;
    virtual bool claim(const std::string& key, const std::string& owner, std::int64_t expires_ms,
                       std::int64_t now_ms) = 0;
    virtual bool remove_if(const std::string& key, const std::string& expected, std::int64_t now_ms) = 0;
    virtual bool remove(const std::string& key, std::int64_t now_ms) = 0;
    virtual void set_add(const std::string& key, const std::string& member) = 0;
    virtual bool set_remove(const std::string& key, const std::string& member) = 0;
    virtual std::vector<std::string> set_members(const std::string& key) = 0;
    virtual std::size_t set_size(const std::string& key) = 0;
    virtual std::vector<std::string> set_take(const std::string& key, std::size_t count) = 0;
    // Drops the expired entries; how many.
    virtual std::size_t remove_expired(std::int64_t now_ms) = 0;
    virtual bool healthy() noexcept = 0;
};

}  // namespace tg::state
