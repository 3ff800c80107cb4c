// Who the client of a request is behind load balancers: the connection's peer (the TCP
// peer, or the source a PROXY protocol header named), unless that peer is a trusted
// proxy; then the forwarding chain it sent says.
#pragma once

#include "gateway/config/model.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/fields.hpp>

#include <vector>

namespace tg::server {

// With a trusted `peer`: the rightmost address of the chain (X-Forwarded-For, or the
// `for=` of Forwarded, every field in order) that is not a trusted proxy, or the leftmost
// when all are. Anything in the chain up to that address that is not an address
// ("unknown", an obfuscated name, garbage) makes the chain unbelievable: the peer is
// the client then, as when the chain is missing or the peer is not trusted.
boost::asio::ip::address client_of(const boost::asio::ip::address& peer, const boost::beast::http::fields& headers,
                                   const std::vector<config::IpNetwork>& trusted, config::ClientIpHeader header);

}  // namespace tg::server
