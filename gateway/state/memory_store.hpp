// The shared state in this process's memory: the default, for one gateway process. Gone
// with the process. Thread-safe (a mutex; only handlers call it, never the proxy path).
#pragma once

#include "gateway/state/blocking_store.hpp"

#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace tg::state {

class MemoryStore final : public BlockingStore {
public:
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
    bool healthy() noexcept override { return true; }

private:
    struct Entry {
        std::string value;
        std::int64_t expires_ms;
    };
    // The live entry of `key`, or null (an expired one is dropped). Under the mutex.
    Entry* live(const std::string& key, std::int64_t now_ms);
    // At most once a second, the expired entries go: the map never holds more than a
    // second's worth of dead ones beyond what is live.
    void sweep_now_and_then(std::int64_t now_ms);

    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    std::unordered_map<std::string, std::unordered_set<std::string>> sets_;
    std::int64_t next_sweep_ms_ = 0;
};

}  // namespace tg::state
