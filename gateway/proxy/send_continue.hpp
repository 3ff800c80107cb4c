// The interim answer to Expect: 100-continue, sent before a request body is read: by the
// session for a handler, and by the proxy before it relays the body upstream.
#pragma once

#include "gateway/core/asio_aliases.hpp"

#include <boost/asio/write.hpp>

#include <chrono>
#include <string_view>

namespace tg::proxy {

template <class Stream>
asio::awaitable<error_code> send_continue(Stream& client, std::chrono::milliseconds timeout) {
    static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
    beast::get_lowest_layer(client).expires_after(timeout);
    auto [ec, written] = co_await asio::async_write(client, asio::buffer(interim), use_tuple);
    co_return ec;
}

}  // namespace tg::proxy
