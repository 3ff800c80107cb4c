#include "proto_handlers/dxtrade/dxweb_requests.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/param.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace tg::dxtrade {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view form_type = "application/x-www-form-urlencoded";
constexpr std::string_view json_type = "application/json";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

// One header-safe word: non-empty, no ASCII whitespace or control characters.
bool is_token_text(std::string_view text) {
    return !text.empty() && std::none_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte <= 0x20 || byte == 0x7f;
    });
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

// application/json or any */*+json, parameters ignored.
bool is_json_media_type(std::string_view content_type) {
    const auto media_type = trim(content_type.substr(0, content_type.find(';')));
    if (iequals(media_type, json_type)) return true;
    constexpr std::string_view suffix = "+json";
    return media_type.size() > suffix.size() &&
           iequals(media_type.substr(media_type.size() - suffix.size()), suffix);
}

// Everything but ALPHA / DIGIT / "-._~" is percent-encoded, so the sub-delims that the
// query grammar allows raw ('&', '=', '+', ...) are escaped too.
std::string encode_component(std::string_view text, bool space_as_plus) {
    boost::urls::encoding_opts options;
    options.space_as_plus = space_as_plus;
    return boost::urls::encode(text, boost::urls::unreserved_chars, options);
}

std::string join_path(std::string_view base_path, std::string_view path) {
    while (!base_path.empty() && base_path.back() == '/') base_path.remove_suffix(1);
    std::string joined;
    if (!base_path.empty() && base_path.front() != '/') joined += '/';
    joined += base_path;
    if (path.empty() || path.front() != '/') joined += '/';
    joined += path;
    return joined;
}

std::string form_body(const Params& params) {
    std::string body;
    for (const auto& [key, value] : params) {
        if (!body.empty()) body += '&';
        body += encode_component(key, true);
        body += '=';
        body += encode_component(value, true);
    }
    return body;
}

std::string json_body(const Params& params) {
    boost::json::object object;
    for (const auto& [key, value] : params) {
        if (!object.emplace(key, value).second) {
            throw std::invalid_argument("dxweb: parameter given twice for a JSON body: " + key);
        }
    }
    return boost::json::serialize(object);
}

std::optional<boost::json::value> parse_json(std::string_view text) {
    boost::system::error_code error;
    auto value = boost::json::parse(text, error);
    if (error) return std::nullopt;
    return value;
}

std::optional<std::int64_t> read_timeout(const boost::json::value& value) {
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    switch (value.kind()) {
        case boost::json::kind::int64:
            if (value.get_int64() < 0) return std::nullopt;
            return value.get_int64();
        case boost::json::kind::uint64:
            if (value.get_uint64() > static_cast<std::uint64_t>(max)) return std::nullopt;
            return static_cast<std::int64_t>(value.get_uint64());
        case boost::json::kind::double_: {
            // Written as 3.6e6 or 3600000.0: still a whole number of milliseconds.
            const double number = value.get_double();
            if (!(number >= 0.0) || number >= 9.2e18 || std::trunc(number) != number) return std::nullopt;
            return static_cast<std::int64_t>(number);
        }
        case boost::json::kind::string: {
            const std::string_view text = value.get_string();
            if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
                return std::nullopt;
            }
            std::int64_t number = 0;
            const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
            if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
            return number;
        }
        default: return std::nullopt;
    }
}

std::optional<std::string> as_token(std::string_view text) {
    text = trim(text);
    if (!is_token_text(text)) return std::nullopt;
    return std::string(text);
}

// string_view::data() may be null for an empty view; OpenSSL wants a real pointer.
const unsigned char* bytes_of(std::string_view text) {
    static constexpr unsigned char empty = 0;
    return text.empty() ? &empty : reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

Request build_request(const Endpoint& endpoint, const Params& params, std::string_view base_path) {
    const std::string target = join_path(base_path, endpoint.path);
    const auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) throw std::invalid_argument("dxweb: not a valid request target: " + target);

    Request request{endpoint.method, target, 11};
    request.set(http::field::accept, accept_value);
    switch (endpoint.encoding) {
        case Encoding::form:
            request.set(http::field::content_type, form_type);
            request.body() = form_body(params);
            break;
        case Encoding::json:
            request.set(http::field::content_type, json_type);
            request.body() = json_body(params);
            break;
        case Encoding::query: {
            boost::urls::url url(*parsed);
            for (const auto& [key, value] : params) {
                const std::string encoded_key = encode_component(key, false);
                const std::string encoded_value = encode_component(value, false);
                url.encoded_params().append(boost::urls::param_pct_view(encoded_key, encoded_value));
            }
            request.target(url.buffer());
            break;
        }
    }
    request.prepare_payload();
    return request;
}

std::string basic_authorization(std::string_view username, std::string_view domain, std::string_view password) {
    if (username.find(':') != std::string_view::npos || domain.find(':') != std::string_view::npos) {
        throw std::invalid_argument("dxweb: a Basic user-id cannot contain ':'");
    }
    std::string credentials;
    credentials.reserve(username.size() + domain.size() + password.size() + 2);
    credentials.append(username).append("@").append(domain).append(":").append(password);
    return "Basic " + base64(credentials);
}

std::string dxapi_authorization(std::string_view session_token) {
    if (!is_token_text(session_token)) throw std::invalid_argument("dxweb: unusable DXAPI session token");
    return "DXAPI " + std::string(session_token);
}

Request build_login_request(std::string_view base_path, std::string_view username, std::string_view domain,
                            std::string_view password) {
    const Endpoint login{"/login", http::verb::post, Encoding::json};
    return build_request(login,
                         {{"username", std::string(username)},
                          {"domain", std::string(domain)},
                          {"password", std::string(password)}},
                         base_path);
}

std::optional<LoginAnswer> read_login_answer(std::string_view body) {
    const auto value = parse_json(body);
    if (!value || !value->is_object()) return std::nullopt;
    const auto& object = value->get_object();

    const auto* token = object.if_contains("sessionToken");
    if (!token || !token->is_string() || !is_token_text(token->get_string())) return std::nullopt;
    const auto* timeout = object.if_contains("timeout");
    if (!timeout) return std::nullopt;
    const auto timeout_ms = read_timeout(*timeout);
    if (!timeout_ms) return std::nullopt;
    return LoginAnswer{std::string(token->get_string()), *timeout_ms};
}

std::optional<std::string> read_token_answer(std::string_view body, std::string_view content_type,
                                             std::string_view json_field) {
    const std::string_view text = trim(body);
    const bool labelled_json = is_json_media_type(content_type);
    const auto value = parse_json(text);

    if (!json_field.empty()) {
        if (value && value->is_object()) {
            const auto* member = value->get_object().if_contains(json_field);
            if (!member || !member->is_string()) return std::nullopt;
            return as_token(member->get_string());
        }
        if (labelled_json) return std::nullopt;
        return as_token(text);
    }

    // Raw: a JSON object or array is never a token.
    if (value && (value->is_object() || value->is_array())) return std::nullopt;
    if (value && value->is_string() && labelled_json) return as_token(value->get_string());
    return as_token(text);
}

std::string base64(std::string_view data) {
    constexpr std::size_t max_input = static_cast<std::size_t>(std::numeric_limits<int>::max() / 4) * 3;
    if (data.size() > max_input) throw std::length_error("dxweb: base64 input too large");
    std::string encoded(4 * ((data.size() + 2) / 3) + 1, '\0');  // + the NUL EVP_EncodeBlock writes
    const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), bytes_of(data),
                                     static_cast<int>(data.size()));
    encoded.resize(static_cast<std::size_t>(size));
    return encoded;
}

}  // namespace tg::dxtrade
