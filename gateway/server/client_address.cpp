#include "gateway/server/client_address.hpp"

#include "gateway/core/http_text.hpp"

#include <boost/beast/core/string.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace tg::server {
namespace {

namespace ip = boost::asio::ip;
namespace http = boost::beast::http;

std::optional<ip::address> address_in(std::string_view text) {
    boost::system::error_code ec;
    auto address = ip::make_address(std::string(text), ec);
    if (ec || (address.is_v6() && address.to_v6().scope_id() != 0)) return std::nullopt;
    return config::unmapped(address);
}

// "203.0.113.7", "203.0.113.7:4711", "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:4711".
std::optional<ip::address> node_address(std::string_view node) {
    node = trim_ows(node);
    if (node.starts_with('[')) {
        const auto close = node.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        const auto after = node.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) return std::nullopt;
        const auto address = address_in(node.substr(1, close - 1));
        return address && address->is_v6() ? address : std::nullopt;
    }
    if (const auto colon = node.find(':'); colon != std::string_view::npos && node.find(':', colon + 1) == std::string_view::npos) {
        const auto address = address_in(node.substr(0, colon));  // IPv4 with a port
        return address && address->is_v4() ? address : std::nullopt;
    }
    return address_in(node);
}

// Splits `text` at `separator` outside double quotes, calling `each` with every part.
template <class Each>
void split_outside_quotes(std::string_view text, char separator, Each each) {
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && quoted) {
            ++i;
        } else if (text[i] == '"') {
            quoted = !quoted;
        } else if (text[i] == separator && !quoted) {
            each(text.substr(start, i - start));
            start = i + 1;
        }
    }
    each(text.substr(start));
}

// The `for=` node of one Forwarded element (RFC 7239), unquoted; "" when it has none.
std::string for_node(std::string_view element) {
    std::string node;
    split_outside_quotes(element, ';', [&](std::string_view pair) {
        pair = trim_ows(pair);
        const auto equals = pair.find('=');
        if (equals == std::string_view::npos || !boost::beast::iequals(trim_ows(pair.substr(0, equals)), "for")) return;
        auto value = trim_ows(pair.substr(equals + 1));
        node.clear();
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (value[i] == '\\' && i + 1 < value.size()) ++i;
                node += value[i];
            }
        } else {
            node = std::string(value);
        }
    });
    return node;
}

// The chain's nodes, leftmost first: each address, or none for what is not one.
std::vector<std::optional<ip::address>> chain_of(const http::fields& headers, config::ClientIpHeader header) {
    std::vector<std::optional<ip::address>> chain;
    const bool forwarded = header == config::ClientIpHeader::forwarded;
    const auto [first, last] = headers.equal_range(forwarded ? "Forwarded" : "X-Forwarded-For");
    for (auto field = first; field != last; ++field) {
        split_outside_quotes(field->value(), ',', [&](std::string_view element) {
            if (forwarded) {
                chain.push_back(node_address(for_node(element)));
            } else if (!trim_ows(element).empty()) {
                chain.push_back(node_address(element));
            }
        });
    }
    return chain;
}

}  // namespace

ip::address client_of(const ip::address& peer, const http::fields& headers,
                      const std::vector<config::IpNetwork>& trusted, config::ClientIpHeader header) {
    if (trusted.empty() || !config::contains(trusted, peer)) return peer;
    const auto chain = chain_of(headers, header);
    for (auto node = chain.rbegin(); node != chain.rend(); ++node) {
        if (!*node) return peer;
        if (!config::contains(trusted, **node) || std::next(node) == chain.rend()) return **node;
    }
    return peer;  // no chain
}

}  // namespace tg::server
