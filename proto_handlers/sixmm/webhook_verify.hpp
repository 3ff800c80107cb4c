// The check of a 6MM webhook's X-Agent-* headers, before its body is parsed (README §8.3).
#pragma once

#include "gateway/core/asio_aliases.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>

namespace tg::sixmm {

inline constexpr std::chrono::seconds webhook_acceptance_window{300};  // the SDK README's 5 minutes

// Why the webhook is refused, or nullptr: exactly one each of X-Agent-Timestamp (Unix
// seconds within the window of `now_s`), X-Agent-Nonce and X-Agent-Signature, and the
// signature of timestamp, nonce and body under `secret`, compared in constant time.
const char* verify_webhook(const http::fields& headers, std::string_view body, std::string_view secret,
                           std::int64_t now_s);

}  // namespace tg::sixmm
