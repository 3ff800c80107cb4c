#include "gateway/state/memory_store.hpp"

namespace tg::state {

MemoryStore::Entry* MemoryStore::live(const std::string& key, std::int64_t now_ms) {
    const auto found = entries_.find(key);
    if (found == entries_.end()) return nullptr;
    if (found->second.expires_ms <= now_ms) {
        entries_.erase(found);
        return nullptr;
    }
    return &found->second;
}

void MemoryStore::sweep_now_and_then(std::int64_t now_ms) {
    if (now_ms < next_sweep_ms_) return;
    next_sweep_ms_ = now_ms + 1000;
    std::erase_if(entries_, [now_ms](const auto& entry) { return entry.second.expires_ms <= now_ms; });
}

std::optional<std::string> MemoryStore::get(const std::string& key, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    const auto* entry = live(key, now_ms);
    if (!entry) return std::nullopt;
    return entry->value;
}

void MemoryStore::put(const std::string& key, const std::string& value, std::int64_t expires_ms) {
    std::lock_guard lock(mutex_);
    entries_.insert_or_assign(key, Entry{value, expires_ms});
}

bool MemoryStore::put_if_absent(const std::string& key, const std::string& value, std::int64_t expires_ms,
                                std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    sweep_now_and_then(now_ms);
    if (live(key, now_ms)) return false;
    entries_.insert_or_assign(key, Entry{value, expires_ms});
    return true;
}

bool MemoryStore::put_if_equal(const std::string& key, const std::string& expected, const std::string& value,
                               std::int64_t expires_ms, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    auto* entry = live(key, now_ms);
    if (!entry || entry->value != expected) return false;
    *entry = Entry{value, expires_ms};
    return true;
}

bool MemoryStore::claim(const std::string& key, const std::string& owner, std::int64_t expires_ms,
                        std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    sweep_now_and_then(now_ms);
    auto* entry = live(key, now_ms);
    if (entry && entry->value != owner) return false;
    entries_.insert_or_assign(key, Entry{owner, expires_ms});
    return true;
}

bool MemoryStore::remove_if(const std::string& key, const std::string& expected, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    const auto* entry = live(key, now_ms);
    if (!entry || entry->value != expected) return false;
    entries_.erase(key);
    return true;
}

bool MemoryStore::remove(const std::string& key, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    const bool was_live = live(key, now_ms) != nullptr;
    entries_.erase(key);
    return was_live;
}

void MemoryStore::set_add(const std::string& key, const std::string& member) {
    std::lock_guard lock(mutex_);
    sets_[key].insert(member);
}

bool MemoryStore::set_remove(const std::string& key, const std::string& member) {
    std::lock_guard lock(mutex_);
    const auto found = sets_.find(key);
    if (found == sets_.end() || found->second.erase(member) == 0) return false;
    if (found->second.empty()) sets_.erase(found);
    return true;
}

std::vector<std::string> MemoryStore::set_members(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto found = sets_.find(key);
    if (found == sets_.end()) return {};
    return {found->second.begin(), found->second.end()};
}

std::size_t MemoryStore::set_size(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto found = sets_.find(key);
    return found == sets_.end() ? 0 : found->second.size();
}

std::vector<std::string> MemoryStore::set_take(const std::string& key, std::size_t count) {
    std::lock_guard lock(mutex_);
    const auto found = sets_.find(key);
    if (found == sets_.end()) return {};
    std::vector<std::string> taken;
    auto& members = found->second;
    while (!members.empty() && taken.size() < count) taken.push_back(std::move(members.extract(members.begin()).value()));
    if (members.empty()) sets_.erase(found);
    return taken;
}

std::size_t MemoryStore::remove_expired(std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    return std::erase_if(entries_, [now_ms](const auto& entry) { return entry.second.expires_ms <= now_ms; });
}

}  // namespace tg::state
