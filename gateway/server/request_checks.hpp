// Checks on a parsed request header that Beast's parser leaves to the server.
#pragma once

#include "gateway/core/asio_aliases.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tg::server {

// A reason to refuse the request with 400, or nullptr. Closes the request-smuggling
// gaps: a Transfer-Encoding other than exactly "chunked" (which Beast would read as
// "no body"), several Transfer-Encoding or Host fields, Transfer-Encoding in HTTP/1.0,
// and an HTTP/1.1 request without Host. (Content-Length together with
// Transfer-Encoding and differing Content-Lengths are refused by the parser itself.)
const char* check_framing_and_host(const http::request_parser<http::buffer_body>& parser);

// Whether `host` is a valid Host field value: empty, or host[:port] where host is a
// name of letters, digits, "-", ".", "_" and "~", or a bracketed IPv6 address, and the
// port is 1 to 5 digits up to 65535. Anything else ("evil.com@127.0.0.1/x y", quotes,
// angle brackets) is refused: it would reach the upstream as X-Forwarded-Host.
bool is_valid_host(std::string_view host);

// How many field names hold an underscore (see config::UnderscoreHeaders); with `drop`,
// those fields are removed.
std::size_t underscore_fields(http::request_parser<http::buffer_body>& parser, bool drop);

// The percent-decoded path used for routing. Empty optional (refuse with 400) when
// the target is not an origin-form path ("/..."), or could be read differently by
// the gateway and the upstream: a "." or ".." segment, a backslash, or an encoded
// "/", "\", "." or NUL. Otherwise routing and the upstream see the same path.
std::optional<std::string> routing_path(std::string_view target);

}  // namespace tg::server
