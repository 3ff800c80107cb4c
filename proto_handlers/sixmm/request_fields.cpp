#include "proto_handlers/sixmm/request_fields.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>

namespace tg::sixmm {
namespace {

bool all_of(std::string_view text, bool (*allowed)(unsigned char)) {
    return std::all_of(text.begin(), text.end(), [&](char c) { return allowed(static_cast<unsigned char>(c)); });
}

bool channel_char(unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-'; }
bool symbol_char(unsigned char c) { return std::isalnum(c) || c == '-' || c == '/' || c == '_'; }
bool reason_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ' '; }

// The body as a JSON object, or the problem.
std::variant<boost::json::object, std::string> object_of(std::string_view body) {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) return std::string("body: expected a JSON object");
    return std::move(value.as_object());
}

// An optional string field: absent/null gives "", a non-string is a problem.
std::optional<std::string> optional_string(const boost::json::object& object, std::string_view key,
                                           std::string& problem) {
    const auto* value = object.if_contains(key);
    if (!value || value->is_null()) return std::string();
    if (!value->is_string()) {
        problem = std::string(key) + ": expected a string";
        return std::nullopt;
    }
    return std::string(value->get_string());
}

}  // namespace

bool valid_channel_id(std::string_view id) { return !id.empty() && id.size() <= 128 && all_of(id, channel_char); }

bool valid_redirect_path(std::string_view path) {
    if (path.size() < 1 || path.size() > 2048 || path.front() != '/') return false;
    if (path.size() > 1 && path[1] == '/') return false;  // "//host" is another site
    // Nor once decoded: "/%2F%2Fhost" or "/%5Chost" could become one at the platform.
    for (std::size_t i = path.find('%'); i != std::string_view::npos; i = path.find('%', i + 1)) {
        const auto code = path.substr(i + 1, 2);
        for (const auto* separator : {"2f", "2F", "5c", "5C"}) {
            if (code == separator) return false;
        }
    }
    return std::none_of(path.begin(), path.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return c == '\\' || u < 0x20 || u == 0x7f;
    });
}

std::variant<EmbedTokenRequest, std::string> parse_embed_token_request(std::string_view body) {
    auto parsed = object_of(body);
    if (auto* problem = std::get_if<std::string>(&parsed)) return *problem;
    const auto& object = std::get<boost::json::object>(parsed);
    std::string problem;
    EmbedTokenRequest request;
    const auto channel = optional_string(object, "channelId", problem);
    if (!channel) return problem;
    if (channel->empty()) return std::string("channelId: required");
    if (!valid_channel_id(*channel)) return std::string("channelId: 1 to 128 characters of A-Z a-z 0-9 . _ : -");
    request.channel_id = *channel;
    const auto symbol = optional_string(object, "symbol", problem);
    if (!symbol) return problem;
    if (symbol->size() > 32 || !all_of(*symbol, symbol_char)) return std::string("symbol: up to 32 characters of A-Z a-z 0-9 - / _");
    request.symbol = *symbol;
    const auto reason = optional_string(object, "reason", problem);
    if (!reason) return problem;
    if (reason->size() > 64 || !all_of(*reason, reason_char)) return std::string("reason: up to 64 characters of letters, digits and _ - . space");
    request.reason = *reason;
    return request;
}

std::variant<EntryUrlRequest, std::string> parse_entry_url_request(std::string_view body) {
    auto parsed = object_of(body);
    if (auto* problem = std::get_if<std::string>(&parsed)) return *problem;
    const auto& object = std::get<boost::json::object>(parsed);
    std::string problem;
    const auto redirect = optional_string(object, "redirectPath", problem);
    if (!redirect) return problem;
    if (!redirect->empty() && !valid_redirect_path(*redirect)) {
        return std::string("redirectPath: a path starting with exactly one \"/\", without scheme, backslash or control characters");
    }
    return EntryUrlRequest{*redirect};
}

}  // namespace tg::sixmm
