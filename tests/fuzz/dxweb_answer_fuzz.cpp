// Fuzz target: what dxWeb (or anything answering in its place) sends back to generateToken
// and /login. The first input byte picks the content type and the configured answer
// field; the rest is the body. A token handed to the browser is never empty and holds no
// whitespace or control character; a login answer's timeout is never negative.
#include "proto_handlers/dxtrade/dxweb_requests.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tg;
    if (size < 1) return 0;
    constexpr std::string_view content_types[] = {"", "text/plain", "application/json", "application/json; charset=utf-8"};
    constexpr std::string_view fields[] = {"", "token", "sessionToken", "t"};
    const auto content_type = content_types[data[0] & 3];
    const auto field = fields[(data[0] >> 2) & 3];
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (const auto token = dxtrade::read_token_answer(body, content_type, field)) {
        if (token->empty()) __builtin_trap();
        for (const unsigned char c : *token) {
            if (c <= 0x20 || c == 0x7f) __builtin_trap();
        }
    }
    if (const auto login = dxtrade::read_login_answer(body)) {
        if (login->session_token.empty() || login->timeout_ms < 0) __builtin_trap();
    }
    return 0;
}
