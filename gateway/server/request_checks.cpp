#include "gateway/server/request_checks.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/url.hpp>

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
    return nullptr;
}

std::optional<std::string> routing_path(std::string_view target) {
    if (target.empty() || target.front() != '/') return std::nullopt;
    const auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) return std::nullopt;
    const std::string_view raw = parsed->encoded_path();
    if (raw.find('%') == std::string_view::npos && raw.find("/.") == std::string_view::npos) {
        return std::string(raw);
    }
    boost::urls::url normalized(*parsed);
    normalized.normalize_path();
    // Decode from encoded_path(): in Boost.URL 1.81, path() after normalize_path()
    // keeps the pre-normalization length (trailing garbage).
    const auto decoded = *normalized.encoded_path();
    std::string path(decoded.begin(), decoded.end());
    // 1.81 also leaves a leading "/.." in place; such a path tries to climb above the root.
    const bool climbs = path == "/.." || path.starts_with("/../");
    if (climbs || path.find('\0') != std::string::npos) return std::nullopt;
    return path;
}

bool is_parse_error(const error_code& ec) {
    if (ec.category() != http::make_error_code(http::error::bad_method).category()) return false;
    return ec != http::error::end_of_stream && ec != http::error::partial_message && ec != http::error::need_more;
}

}  // namespace tg::server
