#include "proto_handlers/partner_session/session_directory.hpp"

namespace tg::partner_session {

namespace {
constexpr std::size_t max_cached_sessions = 100000;  // entries live seconds; a crude bound is enough
}

std::optional<Lookup> SessionDirectory::cached(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto entry = cache_.find(key);
    if (entry == cache_.end()) return std::nullopt;
    if (entry->second.until > std::chrono::steady_clock::now()) return entry->second.result;
    cache_.erase(entry);
    return std::nullopt;
}

void SessionDirectory::mark_signed_out(const std::string& key, std::chrono::steady_clock::time_point until) {
    std::lock_guard lock(mutex_);
    cache_.insert_or_assign(key, CacheEntry{Lookup{Lookup::Kind::no_session, {}}, until});
}

std::shared_ptr<SessionDirectory::Flight> SessionDirectory::join_or_lead(const std::string& key,
                                                                         std::function<void()> wake) {
    std::lock_guard lock(mutex_);
    if (const auto flight = in_flight_.find(key); flight != in_flight_.end()) {
        flight->second->wakes.push_back(std::move(wake));
        return flight->second;
    }
    in_flight_.emplace(key, std::make_shared<Flight>());
    return nullptr;
}

void SessionDirectory::land(const std::string& key, const Lookup& result,
                            std::chrono::steady_clock::time_point fresh_until) {
    std::vector<std::function<void()>> wakes;
    {
        std::lock_guard lock(mutex_);
        if (result.kind == Lookup::Kind::ok && fresh_until > std::chrono::steady_clock::now()) {
            if (cache_.size() >= max_cached_sessions) cache_.clear();
            cache_[key] = {result, fresh_until};
        }
        if (const auto flight = in_flight_.find(key); flight != in_flight_.end()) {
            flight->second->result = result;
            wakes = std::move(flight->second->wakes);
            in_flight_.erase(flight);
        }
    }
    for (auto& wake : wakes) wake();
}

std::optional<Lookup> SessionDirectory::result_of(const Flight& flight) {
    std::lock_guard lock(mutex_);
    return flight.result;
}

}  // namespace tg::partner_session
