// What the portal said about each session, shared by every worker and route: fresh
// answers (keyed by a hash of the session cookies) and the lookup in flight per
// session, so concurrent requests of one session cause one subrequest in all.
// A mutex guards it; it is reached only from handlers, never from the proxy path.
#pragma once

#include "proto_handlers/partner_session/lookup.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace tg::partner_session {

class SessionDirectory {
public:
    struct Flight;

    // A fresh answer for `key`, if there is one.
    std::optional<Lookup> cached(const std::string& key);

    // Joins the lookup in flight for `key` (returns it; `wake` is called once its
    // result is in, from the leader's thread) or, if there is none, makes the caller
    // the leader (returns null) who must call `land`.
    std::shared_ptr<Flight> join_or_lead(const std::string& key, std::function<void()> wake);

    // The leader's result: kept until `fresh_until` if it is an answer about a live
    // session, the flight ends, the followers are woken.
    void land(const std::string& key, const Lookup& result, std::chrono::steady_clock::time_point fresh_until);

    // Answers "no session" for `key` until `until` (the user is logging out).
    void mark_signed_out(const std::string& key, std::chrono::steady_clock::time_point until);

    // A joined flight's result, once landed.
    std::optional<Lookup> result_of(const Flight& flight);

private:
    struct CacheEntry {
        Lookup result;
        std::chrono::steady_clock::time_point until;
    };

    std::mutex mutex_;
    std::unordered_map<std::string, CacheEntry> cache_;
    std::unordered_map<std::string, std::shared_ptr<Flight>> in_flight_;
};

struct SessionDirectory::Flight {
    std::optional<Lookup> result;
    std::vector<std::function<void()>> wakes;
};

}  // namespace tg::partner_session
