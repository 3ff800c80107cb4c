// Fuzz target: a 6MM webhook's X-Agent-* headers and body (sixmm::verify_webhook). The
// input is split at its first two NUL bytes into nonce, body and a forged signature. A
// webhook signed with the secret passes; one with a forged signature, a changed body or
// a repeated header never does.
#include "proto_handlers/sixmm/signing.hpp"
#include "proto_handlers/sixmm/webhook_verify.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tg;
    constexpr std::string_view secret = "fuzz-webhook-secret-0123456789";
    constexpr std::int64_t now = 1'765'000'000;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto first = input.find('\0');
    const auto second = first == std::string_view::npos ? first : input.find('\0', first + 1);
    const auto nonce = input.substr(0, first);
    const auto body = first == std::string_view::npos ? std::string_view() : input.substr(first + 1, second - first - 1);
    const auto forged = second == std::string_view::npos ? std::string_view() : input.substr(second + 1);

    // A value with white space at either end cannot arrive as it was signed: HTTP parsers
    // drop that white space, so the signature fails, as it should.
    constexpr std::string_view blank = " \t";
    if (!nonce.empty() && (blank.find(nonce.front()) != std::string_view::npos ||
                           blank.find(nonce.back()) != std::string_view::npos)) {
        return 0;
    }
    http::fields headers;
    const std::string timestamp = std::to_string(now - 10);
    try {
        headers.set("X-Agent-Timestamp", timestamp);
        headers.set("X-Agent-Nonce", nonce);
    } catch (const std::exception&) {
        return 0;  // a value Beast refuses to hold (CR, LF) cannot arrive in a request either
    }
    const auto signature = sixmm::webhook_signature(secret, timestamp, nonce, body);
    headers.set("X-Agent-Signature", signature);
    const char* verdict = sixmm::verify_webhook(headers, body, secret, now);
    if (!nonce.empty() && verdict != nullptr) __builtin_trap();  // a good signature is accepted

    if (!body.empty()) {
        std::string changed(body);
        changed[0] = static_cast<char>(changed[0] ^ 1);
        if (sixmm::verify_webhook(headers, changed, secret, now) == nullptr) __builtin_trap();
    }
    // White space around a header value is not part of it (RFC 9110 5.5): " <signature> "
    // is the signature.
    auto bare = forged;
    while (!bare.empty() && blank.find(bare.front()) != std::string_view::npos) bare.remove_prefix(1);
    while (!bare.empty() && blank.find(bare.back()) != std::string_view::npos) bare.remove_suffix(1);
    if (bare != signature) {
        try {
            headers.set("X-Agent-Signature", forged);
        } catch (const std::exception&) {
            return 0;
        }
        if (sixmm::verify_webhook(headers, body, secret, now) == nullptr) __builtin_trap();
        headers.set("X-Agent-Signature", signature);
    }
    headers.insert("X-Agent-Signature", signature);  // twice
    if (sixmm::verify_webhook(headers, body, secret, now) == nullptr) __builtin_trap();
    return 0;
}
