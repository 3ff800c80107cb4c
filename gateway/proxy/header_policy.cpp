#include "gateway/proxy/header_policy.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace tg::proxy {
namespace {

// Hop-by-hop (RFC 9110 7.6.1). Transfer-Encoding and Content-Length are framing: the
// relay writes them itself, as needed.
bool is_hop_by_hop(http::field name) {
    switch (name) {
        case http::field::connection:
        case http::field::keep_alive:
        case http::field::proxy_connection:
        case http::field::te:
        case http::field::transfer_encoding:
        case http::field::content_length:
        case http::field::upgrade:
        case http::field::proxy_authenticate:
        case http::field::proxy_authorization: return true;
        default: return false;
    }
}

}  // namespace

void HeaderRewrite::note_connection_tokens(std::string_view connection) {
    for (const auto token : http::token_list(connection)) {
        exclude_length(token);
        connection_tokens_.push_back(token);
    }
}

bool HeaderRewrite::passes(http::field name, std::string_view name_string) const {
    if (is_hop_by_hop(name)) return false;
    if ((excluded_lengths_ & length_bit(name_string)) == 0) return true;
    const auto named = [name_string](std::string_view other) { return boost::beast::iequals(name_string, other); };
    for (const auto token : connection_tokens_) {
        if (named(token)) return false;
    }
    for (const auto& removed : rules_.remove) {
        if (named(removed)) return false;
    }
    for (const auto& [set_name, value] : rules_.set) {
        if (named(set_name)) return false;
    }
    return !gateway_owns(name_string);
}

void HeaderRewrite::replace_content_length(std::uint64_t length) {
    const auto end = std::to_chars(content_length_digits_.begin(), content_length_digits_.end(), length).ptr;
    replace("Content-Length", std::string_view(content_length_digits_.data(), end - content_length_digits_.data()));
}

bool HeaderRewrite::gateway_owns(std::string_view name) const {
    const auto named = [name](std::string_view other) { return boost::beast::iequals(name, other); };
    return std::any_of(dropped_.begin(), dropped_.end(), named) ||
           std::any_of(added_.begin(), added_.end(), [&](const HeaderLine& line) { return named(line.name); });
}

std::string_view HeaderRewrite::value_of(const config::HeaderValue& value) const {
    return value.secret.empty() ? std::string_view(value.literal) : std::string_view(secrets_.at(value.secret).reveal());
}

void HeaderRewrite::write_with_added(Lines& lines, std::string& out) const {
    // Sized once and copied into: appending piece by piece cost more than the copies.
    for_each_added([&lines](std::string_view name, std::string_view value) { lines.push_back({name, value}); });
    std::size_t size = 0;
    for (const auto& line : lines) size += line.name.size() + line.value.size() + 4;
    const auto start = out.size();
    out.resize(start + size);
    char* at = out.data() + start;
    const auto copy = [&at](std::string_view text) {
        std::memcpy(at, text.data(), text.size());
        at += text.size();
    };
    for (const auto& line : lines) {
        copy(line.name);
        copy(": ");
        copy(line.value);
        copy("\r\n");
    }
}

void add_forwarding_headers(HeaderRewrite& rewrite, const ForwardingInfo& info) {
    // Asserted only by the gateway itself: a client's copy is never passed on.
    for (const auto& name : info.owned_headers) rewrite.drop(name);
    // The client as the gateway found it (client_address.hpp): a client's own claims in
    // these headers are never passed on.
    rewrite.replace("X-Forwarded-For", info.client_address);
    rewrite.replace("X-Real-IP", info.client_address);
    rewrite.drop("Forwarded");
    rewrite.replace("X-Forwarded-Proto", info.tls ? "https" : "http");
    if (info.original_host.empty()) {
        rewrite.drop("X-Forwarded-Host");
    } else {
        rewrite.replace("X-Forwarded-Host", info.original_host);
    }
    rewrite.replace("X-Request-Id", info.request_id);
}

}  // namespace tg::proxy
