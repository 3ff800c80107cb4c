// One client connection: TLS handshake if the listener has TLS, then HTTP/1.x
// requests answered in order (keep-alive and pipelining) until either side closes
// or a timeout fires.
#pragma once

#include "gateway/config/model.hpp"
#include "gateway/server/tls.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace tg::server {

class Worker;

struct ListenerInfo {
    std::string name;
    bool admin = false;
    std::shared_ptr<TlsContextSlot> tls;  // null for plain HTTP
    std::string strict_transport_security;  // the header's value; empty: none
    config::millis handshake_timeout{10000};
    bool proxy_protocol = false;
    config::millis proxy_protocol_timeout{3000};
    std::vector<config::IpNetwork> trusted_proxies;
    config::ClientIpHeader client_ip_header = config::ClientIpHeader::x_forwarded_for;
};

void start_session(Worker& worker, std::shared_ptr<const ListenerInfo> listener,
                   boost::asio::ip::tcp::socket socket);

// A parked keep-alive connection (idle_connection.hpp) whose next request has arrived.
void resume_session(Worker& worker, std::shared_ptr<const ListenerInfo> listener,
                    boost::asio::ip::tcp::socket socket, std::string client_address);

}  // namespace tg::server
