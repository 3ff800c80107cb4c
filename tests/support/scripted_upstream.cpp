#include "tests/support/scripted_upstream.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

namespace tg::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

ScriptedUpstream::ScriptedUpstream(std::map<std::string, Script> scripts) : scripts_(std::move(scripts)) {
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    // One connection at a time, each on a thread of its own: the scripts block (hang).
    thread_ = std::thread([this] {
        while (!stopping_) {
            boost::system::error_code ec;
            tcp::socket socket(io_);
            acceptor_.accept(socket, ec);
            if (ec || stopping_) break;
            std::thread([this, socket = std::move(socket)]() mutable { serve(std::move(socket)); }).detach();
        }
    });
}

ScriptedUpstream::~ScriptedUpstream() {
    stopping_ = true;
    boost::system::error_code ignored;
    // Wakes the blocking accept with a connection of our own.
    tcp::socket poke(io_);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ignored);
    thread_.join();
    acceptor_.close(ignored);
}

void ScriptedUpstream::serve(tcp::socket socket) {
    boost::system::error_code ec;
    asio::streambuf head(64 * 1024);
    asio::read_until(socket, head, "\r\n\r\n", ec);
    if (ec || stopping_) return;
    ++requests_;
    const std::string text(asio::buffers_begin(head.data()), asio::buffers_end(head.data()));
    const auto space = text.find(' ');
    const auto end = text.find(' ', space + 1);
    const auto path = space == std::string::npos ? std::string() : text.substr(space + 1, end - space - 1);
    const auto found = scripts_.find(path);
    if (found == scripts_.end()) {
        asio::write(socket, asio::buffer(std::string("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")), ec);
        return;
    }
    const auto& script = found->second;
    asio::write(socket, asio::buffer(script.bytes), ec);
    switch (script.end) {
        case Script::End::close:
            socket.shutdown(tcp::socket::shutdown_both, ec);
            break;
        case Script::End::reset:
            socket.set_option(asio::socket_base::linger(true, 0), ec);
            break;
        case Script::End::hang:
            std::this_thread::sleep_for(script.hang);
            break;
    }
    socket.close(ec);
}

}  // namespace tg::test
