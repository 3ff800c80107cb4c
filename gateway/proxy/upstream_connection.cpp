#include "gateway/proxy/upstream_connection.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace tg::proxy {

beast::tcp_stream& UpstreamConnection::tcp() {
    if (auto* plain = std::get_if<PlainStream>(&stream)) return *plain;
    return std::get<TlsStream>(stream).next_layer();
}

bool UpstreamConnection::unusable_after_idle() {
    if (buffer.size() != 0) return true;
    char byte;
    const auto n = ::recv(tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    return true;  // 0: the server closed; >0: unsolicited bytes (or a TLS close_notify)
}

}  // namespace tg::proxy
