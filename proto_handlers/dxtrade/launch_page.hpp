// The DXtrade WEB terminal SSO launch page (see shared/reference/dxtrade-sso.md, sections
// 1 and 4): an HTML page holding the hidden form that POSTs the SSO token to the terminal's
// /api/auth/login/form-with-token and submits it at once. Pure rendering, no I/O; the caller
// sends the page with Cache-Control: no-store, Referrer-Policy: no-referrer and the
// Content-Security-Policy returned here.
#pragma once

#include "gateway/handlers/origin.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace tg::dxtrade {

namespace http = boost::beast::http;

struct LaunchPage {
    std::string html;
    std::string content_security_policy;
};

// The launch page. The token appears once, HTML-escaped, in the value attribute of the
// hidden input and nowhere else (not in the CSP, the title or a URL).
//   terminal_login_url: absolute https (http for dev) URL of .../api/auth/login/form-with-token
//   token:              the value to post, as the caller configured it (Base64 or raw)
//   target:             the form target, e.g. "_self" or "_blank"
//   nonce:              the CSP nonce, e.g. from csp_nonce()
// CSP: default-src 'none'; script-src 'nonce-<nonce>'; form-action <terminal origin>;
//      frame-ancestors 'none'; base-uri 'none'
// Throws std::invalid_argument when terminal_login_url is not an absolute http(s) URL that
// origin_of() accepts, or when the nonce is empty or holds characters outside the base64 /
// base64url alphabet. Messages never quote the arguments.
LaunchPage render_launch_page(std::string_view terminal_login_url, std::string_view token, std::string_view target,
                              std::string_view nonce);

// An HTML error page (for dxWeb failures: the caller picks 502/503/504 as for the JSON
// endpoints) with an optional retry link; no script. retry_url is linked only when it is an
// absolute http(s) URL or a path starting with a single "/"; otherwise the link is left out.
// CSP: default-src 'none'; style-src 'nonce-<nonce>'; form-action 'none';
//      frame-ancestors 'none'; base-uri 'none'
// Throws std::invalid_argument on a bad nonce (as render_launch_page).
LaunchPage render_error_page(int status, std::string_view title, std::string_view message, std::string_view retry_url,
                             std::string_view nonce);

// 16 bytes from OpenSSL's CSPRNG (RAND_bytes), standard base64 with padding: 24 characters.
// Throws std::runtime_error if the CSPRNG fails.
std::string csp_nonce();

// A page as an HTTP response: the Content-Type and the page's Content-Security-Policy,
// Cache-Control: no-store, Referrer-Policy: no-referrer, X-Content-Type-Options: nosniff.
http::response<http::string_body> page_response(http::status status, const LaunchPage& page);
// render_error_page() with a fresh nonce, as a response.
http::response<http::string_body> error_page_response(http::status status, std::string_view title,
                                                      std::string_view message, std::string_view retry_url);

// Escapes & < > " ' for element content and quoted attribute values.
std::string html_escape(std::string_view text);

using handlers::origin_of;  // gateway/handlers/origin.hpp

}  // namespace tg::dxtrade
