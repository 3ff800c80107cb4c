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
#include <span>
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
    // Views: the fields, `rules` and `secrets` must outlive the rewrite. Any Beast
    // fields type: a proxied response's fields live in its connection's arena.
    template <class Fields>
    HeaderRewrite(const Fields& fields, const config::HeaderRules& rules, const Secrets& secrets)
        : rules_(rules), secrets_(secrets) {
        for (const auto& name : rules.remove) exclude_length(name);
        for (const auto& [name, value] : rules.set) exclude_length(name);
        // A scan, not a lookup: a header has a dozen fields, and the enum compares cheaper.
        for (const auto& field : fields) {
            if (field.name() == http::field::connection) note_connection_tokens(field.value());
        }
    }

    // Drops every field of this name.
    void drop(std::string_view name) {
        exclude_length(name);
        dropped_.push_back(name);
    }
    // Drops every field of this name and writes `value` under it instead (a view too).
    void replace(std::string_view name, std::string_view value) {
        exclude_length(name);
        added_.push_back({name, value});
    }
    // Content-Length: `length` (the digits are kept in the rewrite).
    void replace_content_length(std::uint64_t length);

    // Each passing field of `fields` (those given to the constructor), then the route's
    // set headers and the replacements, as "Name: value\r\n" lines.
    template <class Fields>
    void write(const Fields& fields, std::string& out) const {
        Lines lines;
        for (const auto& field : fields) {
            if (passes(field.name(), field.name_string())) lines.push_back({field.name_string(), field.value()});
        }
        write_with_added(lines, out);
    }
    // The same, applied to the fields themselves (those given to the constructor).
    template <class Fields>
    void apply_to(Fields& fields) const {
        // Decided before anything is erased: the Connection tokens are views into the fields.
        boost::container::small_vector<typename Fields::const_iterator, 8> failing;
        for (auto field = fields.begin(); field != fields.end(); ++field) {
            if (!passes(field->name(), field->name_string())) failing.push_back(field);
        }
        for (const auto& field : failing) fields.erase(field);
        for_each_added([&fields](std::string_view name, std::string_view value) { fields.insert(name, value); });
    }

private:
    using Lines = boost::container::small_vector<HeaderLine, 24>;

    void note_connection_tokens(std::string_view connection);
    // Appends the added lines to `lines` and writes them all out.
    void write_with_added(Lines& lines, std::string& out) const;
    // A field passes without a name comparison when no name it could match has its
    // length (modulo 64): most fields of a message, with a dozen names to match.
    void exclude_length(std::string_view name) { excluded_lengths_ |= length_bit(name); }
    static std::uint64_t length_bit(std::string_view name) { return std::uint64_t{1} << (name.size() % 64); }
    bool passes(http::field name, std::string_view name_string) const;
    bool gateway_owns(std::string_view name) const;
    std::string_view value_of(const config::HeaderValue& value) const;
    // The route's set headers, then the gateway's own. A rule never sets a name the
    // gateway writes or drops itself (Host, X-Forwarded-*, X-Request-Id, framing...).
    template <class Visit>
    void for_each_added(Visit&& visit) const {
        for (const auto& [name, value] : rules_.set) {
            if (!gateway_owns(name)) visit(std::string_view(name), value_of(value));
        }
        for (const auto& line : added_) visit(line.name, line.value);
    }

    const config::HeaderRules& rules_;
    const Secrets& secrets_;
    boost::container::small_vector<std::string_view, 4> connection_tokens_;
    boost::container::small_vector<std::string_view, 4> dropped_;
    boost::container::small_vector<HeaderLine, 8> added_;
    std::array<char, 20> content_length_digits_;
    std::uint64_t excluded_lengths_ = 0;
};

struct ForwardingInfo {
    std::string_view client_address;
    bool tls = false;
    std::string_view original_host;
    std::string_view request_id;
    // Headers only the gateway may assert, named by the modules that set them
    // (handlers::Registry::add_gateway_owned_header): a client's copy is dropped.
    std::span<const std::string> owned_headers = {};
};

// X-Forwarded-For (replacing any client-sent chain: the gateway is the edge),
// X-Forwarded-Proto, X-Forwarded-Host and X-Request-Id; the gateway-owned headers are
// dropped.
void add_forwarding_headers(HeaderRewrite& rewrite, const ForwardingInfo& info);

}  // namespace tg::proxy
