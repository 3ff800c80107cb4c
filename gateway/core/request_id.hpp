// X-Request-Id: kept when the client sent a well-formed one, generated otherwise.
#pragma once

#include <random>
#include <string>
#include <string_view>

namespace tg {

// 1 to 128 characters of [A-Za-z0-9._:-]: safe to echo and to log.
bool is_valid_request_id(std::string_view id);

// Per-worker generator of 32-hex-character ids. Not for secrets: ids are public.
class RequestIdGenerator {
public:
    RequestIdGenerator();
    std::string next();
    // The same, written over `id` (which keeps its capacity: no allocation per request).
    void next(std::string& id);

private:
    std::mt19937_64 engine_;
};

}  // namespace tg
