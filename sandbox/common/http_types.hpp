#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>

namespace tg::sandbox {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Synchronous on purpose: the stand-ins answer from memory, never block on I/O.
using Handler = std::function<Response(const Request&)>;

}  // namespace tg::sandbox
