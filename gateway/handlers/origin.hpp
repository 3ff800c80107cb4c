// Origins as handlers compare them: the gateway's own (the listener's scheme and the
// request's Host) and an operator's list of other allowed ones. Origins are compared
// parsed (scheme, host, port), exactly, never as text: "http://10.0.0.5.evil.com" is
// not 10.0.0.5's, and "http://portal:80" is "http://portal".
#pragma once

#include <boost/beast/http/fields.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tg::handlers {

// "scheme://host[:port]" of an absolute http or https URL (scheme and host lower-cased, the
// port kept unless it is the scheme's default). nullopt when the text is not an absolute
// http(s) URL, has no host, carries user information, or has a host that is not a plain DNS
// name, an IPv4 address or a bracketed IPv6 address, or a port outside 1..65535.
std::optional<std::string> origin_of(std::string_view absolute_url);

// Whether `origin` is "http(s)://" + the request's Host.
bool is_own_origin(const boost::beast::http::fields& request, bool tls, std::string_view origin);
// Whether `origin` is one of `allowed`.
bool is_listed_origin(const std::vector<std::string>& allowed, std::string_view origin);
// The gateway's own origin or a listed one.
bool is_allowed_origin(const boost::beast::http::fields& request, bool tls, const std::vector<std::string>& allowed,
                       std::string_view origin);

}  // namespace tg::handlers
