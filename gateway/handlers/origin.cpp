#include "gateway/handlers/origin.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>

namespace tg::handlers {

namespace http = boost::beast::http;

namespace {

bool is_ascii_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Both as origin_of() writes them, or false when either is not an origin.
bool same_origin(std::string_view a, std::string_view b) {
    const auto first = origin_of(a);
    return first && first == origin_of(b);
}

}  // namespace


std::optional<std::string> origin_of(std::string_view absolute_url) {
    using boost::urls::host_type;
    using boost::urls::scheme;
    const auto parsed = boost::urls::parse_uri(absolute_url);
    if (!parsed)
        return std::nullopt;
    const boost::urls::url_view& url = *parsed;
    // Boost.URL 1.81 can stop the authority early: it reads "http://10.0.0.5.evil.com/"
    // as the IPv4 host 10.0.0.5 and "http://host:80x/" as port 80. The authority it
    // parsed must be all of the text between "//" and the path.
    const auto after_scheme = absolute_url.find("://");
    if (after_scheme == std::string_view::npos)
        return std::nullopt;
    const auto authority = absolute_url.substr(after_scheme + 3);
    if (url.encoded_authority() != authority.substr(0, authority.find_first_of("/?#")))
        return std::nullopt;
    const bool https = url.scheme_id() == scheme::https;
    if (!https && url.scheme_id() != scheme::http)
        return std::nullopt;
    if (!url.has_authority() || url.has_userinfo())
        return std::nullopt;

    std::string origin = https ? "https://" : "http://";
    switch (url.host_type()) {
        case host_type::name:
        case host_type::ipv4: {
            const std::string_view host = url.encoded_host();
            // Plain DNS names only: no percent-encoding and none of the sub-delims
            // (; , ' ...) that a reg-name allows but a CSP source expression does not.
            if (host.empty() || !std::all_of(host.begin(), host.end(),
                                             [](char c) { return is_ascii_alnum(c) || c == '.' || c == '-'; }))
                return std::nullopt;
            for (const char c : host)
                origin += ascii_lower(c);
            break;
        }
        case host_type::ipv6:
            origin += '[';
            origin += url.host_ipv6_address().to_string();
            origin += ']';
            break;
        default:
            return std::nullopt;
    }

    if (url.has_port()) {
        // Boost.URL's port_number() wraps numbers above 65535, so the digits are converted here.
        const std::string_view digits = url.port();
        if (!digits.empty()) {
            unsigned port = 0;
            const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
            if (error != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535)
                return std::nullopt;
            if (port != (https ? 443u : 80u)) {
                origin += ':';
                origin += std::to_string(port);
            }
        }
    }
    return origin;
}

bool is_own_origin(const http::fields& request, bool tls, std::string_view origin) {
    const std::string_view host = request[http::field::host];
    if (host.empty()) return false;
    return same_origin(origin, std::string(tls ? "https://" : "http://") + std::string(host));
}

bool is_listed_origin(const std::vector<std::string>& allowed, std::string_view origin) {
    return std::any_of(allowed.begin(), allowed.end(), [&](const auto& listed) { return same_origin(origin, listed); });
}

bool is_allowed_origin(const http::fields& request, bool tls, const std::vector<std::string>& allowed,
                       std::string_view origin) {
    return is_own_origin(request, tls, origin) || is_listed_origin(allowed, origin);
}

}  // namespace tg::handlers
