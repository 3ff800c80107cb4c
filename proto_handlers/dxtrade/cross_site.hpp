// Is a launch request cross-site? A cross-site page must not be able to open DXtrade
// sessions in the user's name (the launch is a GET that has effects). By the browser's
// Sec-Fetch-Site when sent; otherwise by Origin, else by Referer; a request with none of
// them (typed URL, old client) is same-site. The gateway's own origin and the listed ones
// are allowed.
#pragma once

#include <boost/beast/http/fields.hpp>

#include <string>
#include <vector>

namespace tg::dxtrade {

bool is_cross_site(const boost::beast::http::fields& request, bool tls,
                   const std::vector<std::string>& allowed_origins);

}  // namespace tg::dxtrade
