// The PROXY protocol header a load balancer sends before the client's bytes (HAProxy's
// "The PROXY protocol" versions 1 and 2): who the client is, since the TCP peer is the
// load balancer. Parsing only; proxy_protocol_read.hpp reads it off a socket.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tg::server {

// A v1 line is at most 107 bytes with its CRLF (the spec's bound).
inline constexpr std::size_t proxy_v1_max_bytes = 107;
// v2 allows 16 + 65535 bytes; TLVs of real load balancers take a few dozen. Longer is refused.
inline constexpr std::size_t proxy_v2_max_bytes = 2048;
// Enough to tell v1 from v2 and to hold the shortest header ("PROXY UNKNOWN\r\n").
inline constexpr std::size_t proxy_min_bytes = 15;

struct ProxyParse {
    enum class Status { complete, incomplete, invalid };
    Status status = Status::incomplete;
    // complete: how many bytes the header takes, and the client's address; none for a
    // v2 LOCAL header (the balancer's own health check) or an UNKNOWN/UNSPEC source.
    std::size_t length = 0;
    std::optional<boost::asio::ip::address> source;
    // incomplete: the header's whole length when known (v2), else 0 (v1: up to its CRLF).
    std::size_t needed = 0;
    std::string problem;  // invalid: what is wrong, for the log
};

// Parses the start of a connection's bytes.
ProxyParse parse_proxy_header(std::string_view bytes);

}  // namespace tg::server
