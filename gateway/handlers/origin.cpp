#include "gateway/handlers/origin.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>

namespace tg::handlers {

namespace http = boost::beast::http;

bool is_own_origin(const http::fields& request, bool tls, std::string_view origin) {
    const std::string_view scheme = tls ? "https://" : "http://";
    return origin.size() >= scheme.size() && boost::beast::iequals(origin.substr(0, scheme.size()), scheme) &&
           boost::beast::iequals(origin.substr(scheme.size()), request[http::field::host]);
}

bool is_listed_origin(const std::vector<std::string>& allowed, std::string_view origin) {
    return std::any_of(allowed.begin(), allowed.end(),
                       [&](const auto& listed) { return boost::beast::iequals(listed, origin); });
}

bool is_allowed_origin(const http::fields& request, bool tls, const std::vector<std::string>& allowed,
                       std::string_view origin) {
    return is_own_origin(request, tls, origin) || is_listed_origin(allowed, origin);
}

}  // namespace tg::handlers
