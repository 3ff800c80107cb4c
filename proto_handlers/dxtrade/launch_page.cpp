#include "proto_handlers/dxtrade/launch_page.hpp"

#include "proto_handlers/dxtrade/dxweb_requests.hpp"

#include <boost/url/parse.hpp>

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace tg::dxtrade {
namespace {

bool is_ascii_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The nonce goes into a header (CSP) and an attribute: only the base64 / base64url
// alphabet is accepted, so it can never end a CSP source expression or a directive.
void check_nonce(std::string_view nonce) {
    const bool ok = !nonce.empty() && std::all_of(nonce.begin(), nonce.end(), [](char c) {
        return is_ascii_alnum(c) || c == '+' || c == '/' || c == '=' || c == '-' || c == '_';
    });
    if (!ok)
        throw std::invalid_argument("dxtrade launch page: the CSP nonce must be non-empty base64 or base64url");
}

// A path-absolute reference ("/x", not "//host") or an absolute http(s) URL; anything
// else (javascript:, data:, protocol-relative) is not linked.
bool is_safe_link(std::string_view url) {
    if (url.size() >= 1 && url[0] == '/' && (url.size() == 1 || (url[1] != '/' && url[1] != '\\')))
        return boost::urls::parse_origin_form(url).has_value();
    return origin_of(url).has_value();
}

}  // namespace

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c; break;
        }
    }
    return out;
}

http::response<http::string_body> page_response(http::status status, const LaunchPage& page) {
    http::response<http::string_body> response{status, 11};
    response.set(http::field::content_type, "text/html; charset=utf-8");
    response.set("Content-Security-Policy", page.content_security_policy);
    response.set(http::field::cache_control, "no-store");
    response.set("Referrer-Policy", "no-referrer");
    response.set("X-Content-Type-Options", "nosniff");
    response.body() = page.html;
    return response;
}

http::response<http::string_body> error_page_response(http::status status, std::string_view title,
                                                      std::string_view message, std::string_view retry_url) {
    return page_response(status, render_error_page(static_cast<int>(status), title, message, retry_url, csp_nonce()));
}

std::string csp_nonce() {
    constexpr std::size_t byte_count = 16;
    std::array<unsigned char, byte_count> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("dxtrade launch page: RAND_bytes failed");
    return base64(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

LaunchPage render_launch_page(std::string_view terminal_login_url, std::string_view token, std::string_view target,
                              std::string_view nonce) {
    check_nonce(nonce);
    const std::optional<std::string> origin = origin_of(terminal_login_url);
    if (!origin)
        throw std::invalid_argument(
            "dxtrade launch page: the terminal login URL must be an absolute http(s) URL with a plain host");

    const std::string escaped_nonce = html_escape(nonce);  // a no-op for a checked nonce; kept for safety
    LaunchPage page;
    page.content_security_policy = "default-src 'none'; script-src 'nonce-" + std::string(nonce) +
                                   "'; form-action " + *origin + "; frame-ancestors 'none'; base-uri 'none'";
    std::string& html = page.html;
    html.reserve(1024 + terminal_login_url.size() + token.size() * 6 + target.size() * 6);
    html += "<!DOCTYPE html>\n"
            "<html lang=\"en\">\n"
            "<head>\n"
            "<meta charset=\"utf-8\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
            "<title>Opening the trading terminal</title>\n"
            "</head>\n"
            "<body>\n"
            "<form id=\"dx-sso\" method=\"POST\" action=\"";
    html += html_escape(terminal_login_url);
    html += "\" target=\"";
    html += html_escape(target);
    html += "\">\n"
            "<input type=\"hidden\" name=\"token\" value=\"";
    html += html_escape(token);
    html += "\">\n"
            "<noscript>\n"
            "<p>JavaScript is disabled. Press the button to open the trading terminal.</p>\n"
            "<button type=\"submit\">Open the trading terminal</button>\n"
            "</noscript>\n"
            "</form>\n"
            "<script nonce=\"";
    html += escaped_nonce;
    html += "\">document.getElementById('dx-sso').submit();</script>\n"
            "</body>\n"
            "</html>\n";
    return page;
}

LaunchPage render_error_page(int status, std::string_view title, std::string_view message, std::string_view retry_url,
                             std::string_view nonce) {
    check_nonce(nonce);
    const std::string escaped_nonce = html_escape(nonce);
    const std::string escaped_title = html_escape(title);
    LaunchPage page;
    page.content_security_policy = "default-src 'none'; style-src 'nonce-" + std::string(nonce) +
                                   "'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
    std::string& html = page.html;
    html += "<!DOCTYPE html>\n"
            "<html lang=\"en\">\n"
            "<head>\n"
            "<meta charset=\"utf-8\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
            "<title>";
    html += std::to_string(status);
    html += ' ';
    html += escaped_title;
    html += "</title>\n"
            "<style nonce=\"";
    html += escaped_nonce;
    html += "\">body{font-family:sans-serif;margin:3em auto;max-width:40em;padding:0 1em}</style>\n"
            "</head>\n"
            "<body>\n"
            "<h1>";
    html += escaped_title;
    html += "</h1>\n"
            "<p>";
    html += html_escape(message);
    html += "</p>\n";
    if (is_safe_link(retry_url)) {
        html += "<p><a href=\"";
        html += html_escape(retry_url);
        html += "\">Try again</a></p>\n";
    }
    html += "<p>Error ";
    html += std::to_string(status);
    html += "</p>\n"
            "</body>\n"
            "</html>\n";
    return page;
}

}  // namespace tg::dxtrade
