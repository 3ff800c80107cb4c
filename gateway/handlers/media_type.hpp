// The request's media type, as handlers check it.
#pragma once

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/fields.hpp>

namespace tg::handlers {

// Content-Type is application/json (parameters such as charset aside).
inline bool has_json_content_type(const boost::beast::http::fields& request) {
    const std::string_view type = request[boost::beast::http::field::content_type];
    return boost::beast::iequals(type.substr(0, type.find(';')), "application/json");
}

}  // namespace tg::handlers
