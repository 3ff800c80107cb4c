#include "proto_handlers/sixmm/webhook_verify.hpp"

#include "proto_handlers/sixmm/signing.hpp"

#include <charconv>
#include <cstdlib>
#include <optional>

namespace tg::sixmm {
namespace {

std::optional<std::int64_t> parse_seconds(std::string_view text) {
    if (text.empty() || text.size() > 12) return std::nullopt;  // Unix seconds for the next 30,000 years
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

const char* verify_webhook(const http::fields& headers, std::string_view body, std::string_view secret,
                           std::int64_t now_s) {
    // One of each: with two, the gateway and the portal could read different ones.
    for (const auto* name : {"X-Agent-Timestamp", "X-Agent-Nonce", "X-Agent-Signature"}) {
        if (headers.count(name) > 1) return "repeated X-Agent-* headers";
    }
    const std::string_view timestamp = headers["X-Agent-Timestamp"];
    const std::string_view nonce = headers["X-Agent-Nonce"];
    const std::string_view signature = headers["X-Agent-Signature"];
    if (timestamp.empty() || nonce.empty() || signature.empty()) return "missing X-Agent-* headers";
    const auto sent_at = parse_seconds(timestamp);
    if (!sent_at) return "timestamp is not Unix seconds";
    if (std::abs(now_s - *sent_at) > webhook_acceptance_window.count()) return "timestamp outside the 5-minute window";
    const auto expected = webhook_signature(secret, timestamp, nonce, body);
    if (!constant_time_equal(signature, expected)) return "signature mismatch";
    return nullptr;
}

}  // namespace tg::sixmm
