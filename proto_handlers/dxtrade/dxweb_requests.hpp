// dxWeb API client, pure part: building requests and reading answers, with no I/O
// (see shared/reference/dxtrade-sso.md, sections 2.1 and 2.3). The dxWeb paths, methods
// and parameter encodings are not published, so each one comes from configuration. The
// defaults below are the names the integration seed uses.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tg::dxtrade {

// How an endpoint's parameters are sent.
enum class Encoding {
    form,   // application/x-www-form-urlencoded body (space as '+')
    json,   // application/json body: one object, every value a JSON string
    query,  // the target's query string (space as %20), no body
};

struct Endpoint {
    std::string path;  // relative to the base path, e.g. "/generateToken"; may carry a query
    boost::beast::http::verb method = boost::beast::http::verb::post;
    Encoding encoding = Encoding::form;
};

struct Endpoints {
    Endpoint generate_token{"/generateToken"};
    Endpoint ping{"/ping"};
    Endpoint logout_by_token{"/logoutByToken"};
    Endpoint logout_by_login{"/logoutByLogin"};
};

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Params = std::vector<std::pair<std::string, std::string>>;

// The value sent in Accept on every request.
inline constexpr std::string_view accept_value = "text/plain, application/json";

// A request for base_path + endpoint.path (joined with exactly one '/'; base_path may be
// "" or end with '/'). HTTP/1.1, Accept set, Content-Type and Content-Length set for
// bodies; Host, User-Agent and Authorization are left to the caller. Params keep their
// order; values are raw and are encoded here: every byte outside ALPHA / DIGIT / "-._~"
// is percent-encoded, so '&', '=', '+', '%' and non-ASCII bytes never leak through.
// Throws std::invalid_argument if the joined path is not a valid origin-form target, or
// if a JSON-encoded call has a key twice.
Request build_request(const Endpoint& endpoint, const Params& params, std::string_view base_path);

// "Basic " + base64(username@domain:password). Throws std::invalid_argument if username
// or domain holds ':' (RFC 7617 user-ids cannot).
std::string basic_authorization(std::string_view username, std::string_view domain, std::string_view password);

// "DXAPI <token>". Throws std::invalid_argument if the token is empty or holds
// whitespace or control characters (it would break or split the header).
std::string dxapi_authorization(std::string_view session_token);

// POST {base_path}/login, JSON {"username","domain","password"}.
Request build_login_request(std::string_view base_path, std::string_view username, std::string_view domain,
                            std::string_view password);

struct LoginAnswer {
    std::string session_token;
    std::int64_t timeout_ms = 0;  // lifetime of the session token, in milliseconds
};

// {"sessionToken": non-empty string, "timeout": non-negative integer, as a JSON number
// or a string of decimal digits}. Anything else, including a fractional number, gives
// nullopt.
std::optional<LoginAnswer> read_login_answer(std::string_view body);

// The generateToken answer. Surrounding whitespace (spaces, tabs, CR, LF) is trimmed.
// - json_field == "": the body is the raw token. If content_type is JSON and the body is
//   a JSON string literal, the string's value is taken instead. A body that is a JSON
//   object or array (whatever content_type says) is not a token: nullopt.
// - json_field != "": if the body is a JSON object (whatever content_type says), the
//   token is that member's string value; a missing or non-string member gives nullopt.
//   If the body is not a JSON object and content_type is not JSON, the body is taken as
//   the raw token (servers are not consistent about this); if content_type is JSON, nullopt.
// A token that is empty, or holds whitespace or control characters inside (an HTML or
// multi-line error page, say), gives nullopt.
std::optional<std::string> read_token_answer(std::string_view body, std::string_view content_type,
                                             std::string_view json_field);

// Standard Base64 with padding, no line breaks (OpenSSL EVP_EncodeBlock).
std::string base64(std::string_view data);

}  // namespace tg::dxtrade
