#include "gateway/proxy/upstream_connection.hpp"

#include <boost/beast/http/error.hpp>

#include <sys/socket.h>

#include <cerrno>

namespace tg::proxy {

bool is_connection_lost(const boost::system::error_code& ec) {
    namespace asio = boost::asio;
    return ec == beast::http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated;
}

TimedSocket& UpstreamConnection::tcp() {
    if (auto* plain = std::get_if<PlainStream>(&stream)) return *plain;
    return std::get<TlsStream>(stream).next_layer();
}

ResponseParser& UpstreamConnection::new_response() {
    clear_response();
    return response.emplace(ResponseParser::value_type::header_type(ResponseAllocator(&field_arena_)));
}

void UpstreamConnection::clear_response() {
    response.reset();
    field_arena_.release();
}

bool UpstreamConnection::unusable_after_idle() {
    if (buffer.size() != 0) return true;
    if (const auto* tls = std::get_if<TlsStream>(&stream); tls && tls->has_buffered_input()) return true;
    char byte;
    const auto n = ::recv(tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    return true;  // 0: the server closed; >0: unsolicited bytes (or a TLS close_notify)
}

}  // namespace tg::proxy
