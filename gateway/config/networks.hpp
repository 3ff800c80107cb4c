// IP networks in CIDR notation ("10.0.0.0/8", "2001:db8::/32", or one address), for the
// proxies whose forwarding headers a listener trusts.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tg::config {

struct IpNetwork {
    boost::asio::ip::address address;  // host bits zero
    unsigned prefix_length = 0;
    bool operator==(const IpNetwork&) const = default;
};

// The network, or the problem with `text` (host bits set, a prefix out of range, ...).
std::optional<IpNetwork> parse_network(std::string_view text, std::string& problem);

// An IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 peer) as IPv4.
boost::asio::ip::address unmapped(const boost::asio::ip::address& address);

bool contains(const IpNetwork& network, const boost::asio::ip::address& address);
bool contains(const std::vector<IpNetwork>& networks, const boost::asio::ip::address& address);

}  // namespace tg::config
