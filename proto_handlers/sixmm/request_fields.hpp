// The browser's JSON requests to the token endpoints, validated field by field.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <variant>

namespace tg::sixmm {

struct EmbedTokenRequest {
    std::string channel_id;  // passed to 6MM unchanged
    std::string symbol;      // optional
    std::string reason;      // optional, informational
};

struct EntryUrlRequest {
    std::string redirect_path;  // optional; a relative path, never another site
};

// Either the request or the problem, naming the field.
std::variant<EmbedTokenRequest, std::string> parse_embed_token_request(std::string_view body);
std::variant<EntryUrlRequest, std::string> parse_entry_url_request(std::string_view body);

// 1 to 128 characters of [A-Za-z0-9._:-].
bool valid_channel_id(std::string_view id);
// A path on the same site: one leading "/", no "//", no scheme, no backslash, no control characters.
bool valid_redirect_path(std::string_view path);

}  // namespace tg::sixmm
