// X-Request-Id: kept when the client sent a well-formed one, generated otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tg {

// 1 to 128 characters of [A-Za-z0-9._:-]: safe to echo and to log.
bool is_valid_request_id(std::string_view id);

// Per-worker generator of 32-hex-character ids: a random 64-bit prefix drawn once, then
// a counter. Unique across workers and restarts; not for secrets (ids are public).
class RequestIdGenerator {
public:
    RequestIdGenerator();
    std::string next();
    // The same, written over `id` (which keeps its capacity: no allocation per request).
    void next(std::string& id);

private:
    std::string prefix_;  // 16 hex characters
    std::uint64_t counter_ = 0;
};

}  // namespace tg
