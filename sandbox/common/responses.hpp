#pragma once

#include "sandbox/common/http_types.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace tg::sandbox {

// Every response is marked `Cache-Control: no-store`: the stand-ins serve
// per-session data and must never be cached by the proxy in front of them.
Response html_response(http::status status, std::string html);
Response json_response(http::status status, const boost::json::value& json);
Response text_response(http::status status, std::string text);
Response javascript_response(http::status status, std::string script);
Response see_other(std::string_view location);  // 303, so the browser follows with GET

}  // namespace tg::sandbox
