// Header rewriting between client and upstream. The rewrite is decided once and applied
// while the header is written out, so a proxied message's parsed fields are never
// edited: dropped are the hop-by-hop headers and those named in Connection (RFC 9110
// 7.6.1), the names the route removes or sets, and every name the gateway writes or
// drops itself; then the route's set headers (except those names) and the gateway's own
// follow.
#pragma once

#include "gateway/config/model.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/container/small_vector.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace tg::proxy {

namespace http = boost::beast::http;

using Secrets = std::map<std::string, config::SecretValue>;

// A header line as the gateway writes it (views).
struct HeaderLine {
    std::string_view name;
    std::string_view value;
};

class HeaderRewrite {
public:
    // Views: `fields`, `rules` and `secrets` must outlive the rewrite.
    HeaderRewrite(const http::fields& fields, const config::HeaderRules& rules, const Secrets& secrets);

    // Drops every field of this name.
    void drop(std::string_view name) { dropped_.push_back(name); }
    // Drops every field of this name and writes `value` under it instead (a view too).
    void replace(std::string_view name, std::string_view value) { added_.push_back({name, value}); }
    // Content-Length: `length` (the digits are kept in the rewrite).
    void replace_content_length(std::uint64_t length);

    // Each passing field, then the route's set headers and the replacements, as
    // "Name: value\r\n" lines.
    void write(std::string& out) const;
    // The same, applied to the fields themselves (the object given to the constructor).
    void apply_to(http::fields& fields) const;

private:
    bool passes(const http::fields::value_type& field) const;
    bool gateway_owns(std::string_view name) const;
    template <class Visit>
    void for_each_added(Visit&& visit) const;

    const http::fields& fields_;
    const config::HeaderRules& rules_;
    const Secrets& secrets_;
    boost::container::small_vector<std::string_view, 4> connection_tokens_;
    boost::container::small_vector<std::string_view, 4> dropped_;
    boost::container::small_vector<HeaderLine, 8> added_;
    std::array<char, 20> content_length_digits_;
};

struct ForwardingInfo {
    std::string_view client_address;
    bool tls = false;
    std::string_view original_host;
    std::string_view request_id;
};

// X-Forwarded-For (replacing any client-sent chain: the gateway is the edge),
// X-Forwarded-Proto, X-Forwarded-Host and X-Request-Id; X-Webhook-Verified, which only
// the gateway may assert, is dropped.
void add_forwarding_headers(HeaderRewrite& rewrite, const ForwardingInfo& info);

}  // namespace tg::proxy
