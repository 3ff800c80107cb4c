#include "gateway/handlers/origin.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>

namespace tg::handlers {

namespace http = boost::beast::http;

std::string own_origin(const http::fields& request, bool tls) {
    return std::string(tls ? "https://" : "http://") + std::string(request[http::field::host]);
}

bool is_own_origin(const http::fields& request, bool tls, std::string_view origin) {
    return boost::beast::iequals(origin, own_origin(request, tls));
}

bool is_listed_origin(const std::vector<std::string>& allowed, std::string_view origin) {
    return std::any_of(allowed.begin(), allowed.end(),
                       [&](const auto& listed) { return boost::beast::iequals(listed, origin); });
}

}  // namespace tg::handlers
