#include "bench/ha/tracking_sink.hpp"

#include "gateway/core/asio_aliases.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <unordered_map>
#include <vector>

namespace tg::bench {
namespace {

using tcp = asio::ip::tcp;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

class Tracker {
public:
    void ping(std::uint64_t session, unsigned replica) {
        ++requests_;
        auto& seen = sessions_[session];
        if (seen.watched && !seen.pinged_since_mark && replica != marked_replica_) {
            seen.pinged_since_mark = true;
            ++watched_pinged_;
            failover_ms_ = now_ms() - mark_ms_;
        }
        seen.last_replica = static_cast<std::uint8_t>(replica);
    }

    void mark(unsigned replica) {
        marked_replica_ = replica;
        mark_ms_ = now_ms();
        watched_ = watched_pinged_ = 0;
        failover_ms_ = -1;
        for (auto& [key, seen] : sessions_) {
            seen.watched = seen.last_replica == replica;
            seen.pinged_since_mark = false;
            if (seen.watched) ++watched_;
        }
    }

    std::string report() const {
        return boost::json::serialize(boost::json::object{{"requests", requests_},
                                                          {"sessions", sessions_.size()},
                                                          {"watched", watched_},
                                                          {"watchedPinged", watched_pinged_},
                                                          {"failoverMs", failover_ms_}});
    }

private:
    struct Seen {
        std::uint8_t last_replica = 255;
        bool watched = false;
        bool pinged_since_mark = false;
    };
    std::unordered_map<std::uint64_t, Seen> sessions_;
    std::uint64_t requests_ = 0;
    unsigned marked_replica_ = 255;
    std::int64_t mark_ms_ = 0;
    std::uint64_t watched_ = 0;
    std::uint64_t watched_pinged_ = 0;
    std::int64_t failover_ms_ = -1;
};

std::string control(Tracker& tracker, const http::request<http::string_body>& request) {
    const auto url = boost::urls::parse_origin_form(request.target());
    if (!url) return "bad target";
    if (url->path() == "/__mark") {
        const auto replica = url->params().find("replica");
        if (replica == url->params().end()) return "replica?";
        tracker.mark(static_cast<unsigned>(std::stoul(std::string((*replica).value))));
        return "marked";
    }
    return tracker.report();
}

asio::awaitable<void> serve(tcp::socket socket, Tracker& tracker, unsigned replica) {
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> request;
        auto [read_ec, read] = co_await http::async_read(socket, buffer, request, use_tuple);
        if (read_ec) break;
        http::response<http::string_body> response{http::status::ok, 11};
        response.set(http::field::content_type, "text/plain");
        if (request.target().starts_with("/__")) {
            response.body() = control(tracker, request);
        } else {
            tracker.ping(std::hash<std::string_view>{}(request.body()), replica);
            response.body() = "ok";
        }
        response.keep_alive(request.keep_alive());
        response.prepare_payload();
        auto [write_ec, written] = co_await http::async_write(socket, response, use_tuple);
        if (write_ec || !request.keep_alive()) break;
    }
    socket.shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, Tracker& tracker, unsigned replica) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            if (ec == asio::error::operation_aborted) co_return;
            continue;
        }
        asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), tracker, replica), asio::detached);
    }
}

}  // namespace

int run_tracking_sink(const TrackingSinkOptions& options) {
    Tracker tracker;  // outlives the io_context and its coroutines
    asio::io_context io(1);
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::string ports;
    for (unsigned i = 0; i < options.ports; ++i) {
        auto& acceptor = *acceptors.emplace_back(std::make_unique<tcp::acceptor>(io));
        const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
        acceptor.open(endpoint.protocol());
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
        ports += std::to_string(acceptor.local_endpoint().port()) + "\n";
        asio::co_spawn(io, accept_loop(acceptor, tracker, i), asio::detached);
    }
    if (!options.port_file.empty()) {
        const auto temp = options.port_file + ".tmp";
        std::ofstream(temp) << ports;
        std::rename(temp.c_str(), options.port_file.c_str());
    }
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const error_code&, int) { io.stop(); });
    asio::steady_timer deadline(io, std::chrono::seconds(options.max_seconds));
    deadline.async_wait([&](const error_code&) { io.stop(); });
    io.run();
    std::cerr << "tracking sink: " << tracker.report() << "\n";
    return 0;
}

}  // namespace tg::bench
