// Fuzz target: the DXtrade launch page and error page with hostile values. The token
// appears in the page only HTML-escaped, exactly once; no value can add markup: the
// pages hold as many '<' as the templates do, whatever the values.
#include "proto_handlers/dxtrade/launch_page.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

std::size_t count_of(std::string_view text, char c) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), c)); }

std::size_t occurrences(std::string_view text, std::string_view needle) {
    if (needle.empty()) return 0;
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tg;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    constexpr std::string_view url = "https://trade.example.com/api/auth/login/form-with-token";
    constexpr std::string_view nonce = "bm9uY2Utbm9uY2Utbm9uY2U=";
    static const auto plain_launch = dxtrade::render_launch_page(url, "token", "_self", nonce);
    const auto launch = dxtrade::render_launch_page(url, input, "_self", nonce);
    if (count_of(launch.html, '<') != count_of(plain_launch.html, '<')) __builtin_trap();
    const auto escaped = dxtrade::html_escape(input);
    if (!input.empty() && occurrences(launch.html, escaped) < 1) __builtin_trap();
    for (const char c : escaped) {
        if (c == '<' || c == '>' || c == '"' || c == '\'') __builtin_trap();
    }

    const auto half = input.size() / 2;
    static const auto plain_error = dxtrade::render_error_page(503, "t", "m", "/retry", nonce);
    const auto error = dxtrade::render_error_page(503, input.substr(0, half), input.substr(half), "/retry", nonce);
    if (count_of(error.html, '<') != count_of(plain_error.html, '<')) __builtin_trap();
    return 0;
}
