#include "gateway/config/networks.hpp"

#include <algorithm>
#include <charconv>

namespace tg::config {
namespace {

namespace ip = boost::asio::ip;

// The address's bytes with the bits past `prefix_length` cleared.
template <class Bytes>
Bytes masked(Bytes bytes, unsigned prefix_length) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const unsigned first_bit = static_cast<unsigned>(i) * 8;
        if (prefix_length >= first_bit + 8) continue;
        const unsigned kept = prefix_length > first_bit ? prefix_length - first_bit : 0;
        bytes[i] &= static_cast<unsigned char>(0xff00u >> kept);
    }
    return bytes;
}

}  // namespace

ip::address unmapped(const ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, address.to_v6());
    return address;
}

std::optional<IpNetwork> parse_network(std::string_view text, std::string& problem) {
    const auto slash = text.find('/');
    boost::system::error_code ec;
    const auto address = ip::make_address(std::string(text.substr(0, slash)), ec);
    if (ec) {
        problem = "expected an IPv4 or IPv6 address or network such as \"10.0.0.0/8\"";
        return std::nullopt;
    }
    if (address.is_v6() && address.to_v6().scope_id() != 0) {
        problem = "expected an address without a zone";
        return std::nullopt;
    }
    const unsigned bits = address.is_v4() ? 32 : 128;
    unsigned prefix_length = bits;
    if (slash != std::string_view::npos) {
        const auto digits = text.substr(slash + 1);
        const auto [end, parse_error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix_length);
        if (digits.empty() || parse_error != std::errc() || end != digits.data() + digits.size() || prefix_length > bits) {
            problem = "expected a prefix length of 0 to " + std::to_string(bits) + " after \"/\"";
            return std::nullopt;
        }
    }
    const IpNetwork network{address, prefix_length};
    const auto base = address.is_v4() ? ip::address(ip::address_v4(masked(address.to_v4().to_bytes(), prefix_length)))
                                      : ip::address(ip::address_v6(masked(address.to_v6().to_bytes(), prefix_length)));
    if (base != address) {
        problem = "has bits set past its prefix; did you mean \"" + base.to_string() + "/" +
                  std::to_string(prefix_length) + "\"?";
        return std::nullopt;
    }
    return network;
}

bool contains(const IpNetwork& network, const ip::address& candidate) {
    const auto address = unmapped(candidate);
    if (address.is_v4() != network.address.is_v4()) return false;
    if (address.is_v4()) return masked(address.to_v4().to_bytes(), network.prefix_length) == network.address.to_v4().to_bytes();
    return masked(address.to_v6().to_bytes(), network.prefix_length) == network.address.to_v6().to_bytes();
}

bool contains(const std::vector<IpNetwork>& networks, const ip::address& address) {
    return std::any_of(networks.begin(), networks.end(), [&](const IpNetwork& n) { return contains(n, address); });
}

}  // namespace tg::config
