// Fuzz target: the browser's JSON bodies to embed-token and trading-entry. What the
// parser accepts is valid by the rules the README states: a channel id of 1 to 128
// characters of [A-Za-z0-9._:-], a redirect path on the same site.
#include "proto_handlers/sixmm/request_fields.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tg;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto embed = sixmm::parse_embed_token_request(body);
    if (const auto* request = std::get_if<sixmm::EmbedTokenRequest>(&embed)) {
        if (!sixmm::valid_channel_id(request->channel_id)) __builtin_trap();
    } else if (std::get<std::string>(embed).empty()) {
        __builtin_trap();  // a refusal names its problem
    }
    const auto entry = sixmm::parse_entry_url_request(body);
    if (const auto* request = std::get_if<sixmm::EntryUrlRequest>(&entry)) {
        const auto& path = request->redirect_path;
        if (!path.empty() && !sixmm::valid_redirect_path(path)) __builtin_trap();
        if (path.starts_with("//") || path.find("\\") != std::string::npos) __builtin_trap();
    }
    return 0;
}
