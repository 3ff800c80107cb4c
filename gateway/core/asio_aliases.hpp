// Namespace aliases and the default completion token: errors come back as values
// (as_tuple), so the hot path never throws.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tg {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using error_code = boost::system::error_code;

inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace tg
