// Origins as handlers compare them: the gateway's own (the listener's scheme and the
// request's Host) and an operator's list of other allowed ones.
#pragma once

#include <boost/beast/http/fields.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace tg::handlers {

// Whether `origin` is "http(s)://" + the request's Host.
bool is_own_origin(const boost::beast::http::fields& request, bool tls, std::string_view origin);
// Case-insensitive membership.
bool is_listed_origin(const std::vector<std::string>& allowed, std::string_view origin);
// The gateway's own origin or a listed one.
bool is_allowed_origin(const boost::beast::http::fields& request, bool tls, const std::vector<std::string>& allowed,
                       std::string_view origin);

}  // namespace tg::handlers
