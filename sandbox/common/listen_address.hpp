#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tg::sandbox {

struct ListenAddress {
  std::string host;  // name or IP literal, IPv6 without brackets
  std::uint16_t port = 0;  // 0: the OS picks one
};

// Parses "HOST:PORT" ("[::1]:PORT" for IPv6) with Boost.URL's authority grammar.
std::optional<ListenAddress> parse_listen_address(std::string_view text);

// Resolves the host for binding (first result). Throws boost::system::system_error.
boost::asio::ip::tcp::endpoint resolve_listen_address(boost::asio::io_context& io,
                                                      const ListenAddress& address);

// "http://127.0.0.1:43121", "http://[::1]:43121".
std::string http_url(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace tg::sandbox
