#pragma once

#include "sandbox/common/http_types.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace tg::sandbox {

// `response`, after `delay` when it is positive (the stand-ins' slow mode).
boost::asio::awaitable<Response> answer_after(Response response, std::chrono::milliseconds delay);

}  // namespace tg::sandbox
