#include "bench/scheduler/sink.hpp"

#include "gateway/core/asio_aliases.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace tg::bench {
namespace {

using tcp = asio::ip::tcp;

struct Counters {
    std::uint64_t connections = 0;
    std::uint64_t requests = 0;
};

asio::awaitable<void> serve(tcp::socket socket, Counters& counters) {
    ++counters.connections;
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    beast::flat_buffer buffer;
    http::response<http::string_body> response{http::status::ok, 11};
    response.set(http::field::content_type, "text/plain");
    response.body() = "ok";
    response.prepare_payload();
    // Ends when the peer closes, on any error, or when the io_context stops (max_seconds).
    for (;;) {
        http::request<http::string_body> request;
        auto [read_ec, read] = co_await http::async_read(socket, buffer, request, use_tuple);
        if (read_ec) break;
        ++counters.requests;
        response.keep_alive(request.keep_alive());
        auto [write_ec, written] = co_await http::async_write(socket, response, use_tuple);
        if (write_ec || !request.keep_alive()) break;
    }
    socket.shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, Counters& counters) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            if (ec == asio::error::operation_aborted) co_return;
            continue;  // e.g. EMFILE: try the next one
        }
        asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), counters), asio::detached);
    }
}

}  // namespace

int run_sink(const SinkOptions& options) {
    if (options.host != "127.0.0.1") {
        std::cerr << "sink: listens on 127.0.0.1 only\n";
        return 2;
    }
    Counters counters;  // outlives the io_context and the coroutines it destroys
    asio::io_context io(1);
    tcp::acceptor acceptor(io);
    const tcp::endpoint endpoint(asio::ip::make_address_v4(options.host), options.port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    const auto port = acceptor.local_endpoint().port();

    if (!options.port_file.empty()) {
        const auto temp = options.port_file + ".tmp";
        std::ofstream(temp) << port << "\n";
        std::rename(temp.c_str(), options.port_file.c_str());  // appears whole
    }
    std::cout << "sink listening on 127.0.0.1:" << port << std::endl;

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const error_code&, int) { io.stop(); });
    asio::steady_timer deadline(io, std::chrono::seconds(options.max_seconds));
    deadline.async_wait([&](const error_code& ec) {
        if (!ec) std::cerr << "sink: max_seconds reached, exiting\n";
        io.stop();
    });
    asio::co_spawn(io, accept_loop(acceptor, counters), asio::detached);
    io.run();
    std::cerr << "sink: served " << counters.requests << " requests on " << counters.connections
              << " connections\n";
    return 0;
}

}  // namespace tg::bench
