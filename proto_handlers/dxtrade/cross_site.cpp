#include "proto_handlers/dxtrade/cross_site.hpp"

#include "gateway/handlers/origin.hpp"
#include "proto_handlers/dxtrade/launch_page.hpp"

#include <boost/beast/core/string.hpp>

namespace tg::dxtrade {
namespace {

namespace http = boost::beast::http;

// The origin the request came from: Origin, else the origin of Referer; "" if neither.
std::string source_origin(const http::fields& request) {
    const std::string_view origin = request[http::field::origin];
    if (!origin.empty()) return std::string(origin);
    const std::string_view referer = request[http::field::referer];
    if (referer.empty()) return {};
    return origin_of(referer).value_or("null");
}

}  // namespace

bool is_cross_site(const http::fields& request, bool tls, const std::vector<std::string>& allowed_origins) {
    const std::string_view fetch_site = request[http::field::sec_fetch_site];
    const auto origin = source_origin(request);
    if (!fetch_site.empty()) {
        if (boost::beast::iequals(fetch_site, "same-origin") || boost::beast::iequals(fetch_site, "none")) return false;
        // same-site or cross-site: only from a listed origin.
        return origin.empty() || !handlers::is_listed_origin(allowed_origins, origin);
    }
    if (origin.empty()) return false;
    return !handlers::is_allowed_origin(request, tls, allowed_origins, origin);
}

}  // namespace tg::dxtrade
