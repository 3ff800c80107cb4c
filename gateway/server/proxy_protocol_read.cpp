#include "gateway/server/proxy_protocol_read.hpp"

#include "gateway/core/asio_aliases.hpp"

#include <boost/asio/read.hpp>

#include <array>

namespace tg::server {
namespace {

// How many bytes of a v1 line to read next, never past its CRLF: what the socket holds
// is peeked for it (a balancer sends the line in one segment, so this is one or two
// reads); one byte when nothing is there yet.
std::size_t next_v1_read(asio::ip::tcp::socket& socket, std::string_view so_far) {
    error_code ec;
    const auto available = socket.available(ec);
    if (ec || available == 0 || so_far.size() >= proxy_v1_max_bytes) return 1;
    std::array<char, proxy_v1_max_bytes> peeked;
    const auto room = std::min<std::size_t>(available, proxy_v1_max_bytes - so_far.size());
    const auto n = socket.receive(asio::buffer(peeked.data(), room), asio::socket_base::message_peek, ec);
    if (ec || n == 0) return 1;
    const std::string_view view(peeked.data(), n);
    if (so_far.ends_with('\r') && view.front() == '\n') return 1;
    const auto end = view.find("\r\n");
    return end == std::string_view::npos ? n : end + 2;
}

}  // namespace

asio::awaitable<ProxyParse> read_proxy_header(TimedSocket& socket) {
    std::string bytes(proxy_min_bytes, '\0');
    std::size_t have = 0;
    for (;;) {
        auto [ec, n] = co_await asio::async_read(socket, asio::buffer(bytes.data() + have, bytes.size() - have), use_tuple);
        if (ec) {
            ProxyParse failed;
            failed.status = ProxyParse::Status::invalid;
            failed.problem = ec == beast::error::timeout ? "no PROXY protocol header in time"
                                                         : "the connection ended before its PROXY protocol header";
            co_return failed;
        }
        have = bytes.size();
        auto parse = parse_proxy_header(bytes);
        if (parse.status != ProxyParse::Status::incomplete) co_return parse;
        const auto more = parse.needed > have ? parse.needed - have : next_v1_read(socket.socket(), bytes);
        bytes.resize(have + more);
    }
}

}  // namespace tg::server
