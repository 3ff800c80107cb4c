#include "gateway/server/request_checks.hpp"

#include <boost/asio/ip/address_v6.hpp>
#include <boost/url/grammar/charset.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/url.hpp>

#include <array>

namespace tg::server {

const char* check_framing_and_host(const http::request_parser<http::buffer_body>& parser) {
    const auto& req = parser.get();
    const auto te_fields = req.count(http::field::transfer_encoding);
    if (te_fields > 1) return "several Transfer-Encoding fields";
    if (te_fields == 1) {
        if (req.version() < 11) return "Transfer-Encoding in an HTTP/1.0 request";
        if (!beast::iequals(req[http::field::transfer_encoding], "chunked") || !parser.chunked()) {
            return "unsupported Transfer-Encoding";
        }
    }
    const auto hosts = req.count(http::field::host);
    if (hosts > 1) return "several Host fields";
    if (hosts == 0 && req.version() >= 11) return "HTTP/1.1 request without Host";
    if (hosts == 1 && !is_valid_host(req[http::field::host])) return "a Host that is not host[:port]";
    return nullptr;
}

namespace {

// Letters, digits, "-", ".", "_" and "~": one table lookup per character (every request
// is checked).
constexpr auto host_name_chars = [] {
    std::array<bool, 256> table{};
    for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
    for (int c = '0'; c <= '9'; ++c) table[c] = true;
    for (const unsigned char c : {'-', '.', '_', '~'}) table[c] = true;
    return table;
}();

}  // namespace

bool is_valid_host(std::string_view host) {
    if (host.empty()) return true;
    std::string_view name = host;
    std::string_view port;
    if (host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos) return false;
        // Hex digits, ':' and '.' only: Asio's parser skips anything after a '%' (a zone id)
        // without looking at it.
        const auto inside = host.substr(1, close - 1);
        if (inside.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) return false;
        error_code ec;
        asio::ip::make_address_v6(std::string(host.substr(1, close - 1)), ec);
        if (ec) return false;
        const auto rest = host.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return false;
        if (!rest.empty()) port = rest.substr(1);
        if (!rest.empty() && port.empty()) return false;
        name = {};
    } else if (const auto colon = host.find(':'); colon != std::string_view::npos) {
        name = host.substr(0, colon);
        port = host.substr(colon + 1);
        if (port.empty()) return false;
    }
    for (const char c : name) {
        if (!host_name_chars[static_cast<unsigned char>(c)]) return false;
    }
    if (host.front() != '[' && name.empty()) return false;
    if (port.size() > 5) return false;
    unsigned number = 0;
    for (const char c : port) {
        if (c < '0' || c > '9') return false;
        number = number * 10 + static_cast<unsigned>(c - '0');
    }
    return number <= 65535;
}

std::size_t underscore_fields(http::request_parser<http::buffer_body>& parser, bool drop) {
    auto& fields = parser.get();
    std::size_t found = 0;
    for (auto field = fields.begin(); field != fields.end();) {
        if (field->name_string().find('_') == std::string_view::npos) {
            ++field;
            continue;
        }
        ++found;
        field = drop ? fields.erase(field) : std::next(field);
    }
    return found;
}

namespace {

bool has_dot_segment(std::string_view path) {
    for (std::size_t start = 1; start <= path.size();) {
        const auto end = std::min(path.find('/', start), path.size());
        const auto segment = path.substr(start, end - start);
        if (segment == "." || segment == "..") return true;
        start = end + 1;
    }
    return false;
}

bool has_encoded_separator(std::string_view path) {
    for (std::size_t i = path.find('%'); i != std::string_view::npos && i + 2 < path.size(); i = path.find('%', i + 1)) {
        const auto code = path.substr(i + 1, 2);
        for (const auto* separator : {"2f", "2F", "5c", "5C", "2e", "2E", "00"}) {
            if (code == separator) return true;
        }
    }
    return false;
}

// The usual target: a path with no query, of characters that RFC 3986 allows in a path
// as they are (no percent sign). The full parse would accept it and decode nothing.
bool is_plain_path(std::string_view target) {
    static constexpr auto path_chars = boost::urls::pchars + '/';
    const char* end = target.data() + target.size();
    return boost::urls::grammar::find_if_not(target.data(), end, path_chars) == end;
}

}  // namespace

std::optional<std::string> routing_path(std::string_view target) {
    if (target.empty() || target.front() != '/') return std::nullopt;
    if (is_plain_path(target)) {  // the same answer as below, without parsing a URL per request
        if (has_dot_segment(target)) return std::nullopt;
        return std::string(target);
    }
    const auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) return std::nullopt;
    const std::string_view raw = parsed->encoded_path();
    if (has_dot_segment(raw) || has_encoded_separator(raw) || raw.find('\\') != std::string_view::npos) {
        return std::nullopt;
    }
    if (raw.find('%') == std::string_view::npos) return std::string(raw);
    const auto decoded = parsed->path();
    return std::string(decoded.begin(), decoded.end());
}


}  // namespace tg::server
