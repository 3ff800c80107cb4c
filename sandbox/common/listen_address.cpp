#include "sandbox/common/listen_address.hpp"

#include <boost/url/parse.hpp>

#include <charconv>
#include <string>

namespace tg::sandbox {

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  const auto authority = boost::urls::parse_authority(text);
  if (!authority || authority->has_userinfo() || !authority->has_port()) return std::nullopt;

  ListenAddress address;
  address.host = authority->host_address();
  if (address.host.empty()) return std::nullopt;

  const std::string_view port = authority->port();
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (port.empty() || error != std::errc{} || end != port.data() + port.size()) {
    return std::nullopt;
  }
  return address;
}

boost::asio::ip::tcp::endpoint resolve_listen_address(boost::asio::io_context& io,
                                                      const ListenAddress& address) {
  using boost::asio::ip::tcp;
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(address.host, std::to_string(address.port),
                                        tcp::resolver::passive | tcp::resolver::numeric_service);
  return results.begin()->endpoint();
}

std::string http_url(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return "http://" + host + ":" + std::to_string(endpoint.port());
}

}  // namespace tg::sandbox
