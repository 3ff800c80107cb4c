// A connected pair of TCP sockets on loopback, for tests of the socket layers.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace tg::test {

struct SocketPair {
    explicit SocketPair(boost::asio::io_context& io) : near(io), far(io) {
        using boost::asio::ip::tcp;
        tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
        near.connect(acceptor.local_endpoint());
        acceptor.accept(far);
    }
    boost::asio::ip::tcp::socket near;
    boost::asio::ip::tcp::socket far;
};

}  // namespace tg::test
