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

HeaderRewrite::HeaderRewrite(const http::fields& fields, const config::HeaderRules& rules, const Secrets& secrets)
    : fields_(fields), rules_(rules), secrets_(secrets) {
    // A scan, not a lookup: a header has a dozen fields, and the enum compares cheaper.
    for (const auto& field : fields) {
        if (field.name() != http::field::connection) continue;
        for (const auto token : http::token_list(field.value())) connection_tokens_.push_back(token);
    }
}

bool HeaderRewrite::passes(const http::fields::value_type& field) const {
    if (is_hop_by_hop(field.name())) return false;
    const auto name = field.name_string();
    const auto named = [name](std::string_view other) { return boost::beast::iequals(name, other); };
    for (const auto token : connection_tokens_) {
        if (named(token)) return false;
    }
    for (const auto& removed : rules_.remove) {
        if (named(removed)) return false;
    }
    for (const auto& [set_name, value] : rules_.set) {
        if (named(set_name)) return false;
    }
    return !gateway_owns(name);
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

// The route's set headers, then the gateway's own. A rule never sets a name the gateway
// writes or drops itself (Host, X-Forwarded-*, X-Request-Id, framing...).
template <class Visit>
void HeaderRewrite::for_each_added(Visit&& visit) const {
    for (const auto& [name, value] : rules_.set) {
        if (gateway_owns(name)) continue;
        visit(std::string_view(name), value.secret.empty() ? std::string_view(value.literal)
                                                           : std::string_view(secrets_.at(value.secret).reveal()));
    }
    for (const auto& line : added_) visit(line.name, line.value);
}

void HeaderRewrite::write(std::string& out) const {
    // Sized once and copied into: appending piece by piece cost more than the copies.
    boost::container::small_vector<HeaderLine, 24> lines;
    for (const auto& field : fields_) {
        if (passes(field)) lines.push_back({field.name_string(), field.value()});
    }
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

void HeaderRewrite::apply_to(http::fields& fields) const {
    // Decided before anything is erased: the Connection tokens are views into the fields.
    boost::container::small_vector<http::fields::const_iterator, 8> failing;
    for (auto field = fields.begin(); field != fields.end(); ++field) {
        if (!passes(*field)) failing.push_back(field);
    }
    for (const auto& field : failing) fields.erase(field);
    for_each_added([&fields](std::string_view name, std::string_view value) { fields.insert(name, value); });
}

void add_forwarding_headers(HeaderRewrite& rewrite, const ForwardingInfo& info) {
    // Asserted only by the gateway itself (sixmm.webhook): a client's copy is never passed on.
    rewrite.drop("X-Webhook-Verified");
    rewrite.replace("X-Forwarded-For", info.client_address);
    rewrite.replace("X-Forwarded-Proto", info.tls ? "https" : "http");
    if (info.original_host.empty()) {
        rewrite.drop("X-Forwarded-Host");
    } else {
        rewrite.replace("X-Forwarded-Host", info.original_host);
    }
    rewrite.replace("X-Request-Id", info.request_id);
}

}  // namespace tg::proxy
