#include "gateway/server/http_session.hpp"

#include "gateway/core/asio_aliases.hpp"
#include "gateway/core/error_response.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/timed_socket.hpp"
#include "gateway/core/tls_socket.hpp"
#include "gateway/handlers/service.hpp"
#include "gateway/proxy/bounded_read.hpp"
#include "gateway/proxy/buffered_parse.hpp"
#include "gateway/proxy/exchange.hpp"
#include "gateway/proxy/send_continue.hpp"
#include "gateway/proxy/websocket_tunnel.hpp"
#include "gateway/server/admin_endpoints.hpp"
#include "gateway/server/client_address.hpp"
#include "gateway/server/idle_connection.hpp"
#include "gateway/server/proxy_protocol_read.hpp"
#include "gateway/server/request_checks.hpp"
#include "gateway/server/worker.hpp"

#include <boost/asio/co_spawn.hpp>

#include <optional>

namespace tg::server {
namespace {

using tcp = asio::ip::tcp;
using RequestParser = http::request_parser<http::buffer_body>;
using steady = std::chrono::steady_clock;

// What the access log and the metrics learn about one request.
struct RequestFacts {
    std::chrono::system_clock::time_point time;
    steady::time_point start;
    std::string request_id;
    observability::MethodClass method_class = observability::MethodClass::other;
    std::string method;  // method and target are copied only for the access log
    std::string target;
    std::string_view route = "(unmatched)";
    observability::RouteStats* route_stats = nullptr;
    std::string_view upstream{};
    std::string_view server{};
    unsigned status = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::chrono::microseconds upstream_time{0};
};

// How long a keep-alive connection waits for its next request with its whole session
// before a plain-HTTP one is parked (idle_connection.hpp) and a TLS one gives back its
// read buffer: long enough that a busy connection (a request every few milliseconds)
// never pays for it, short enough that a burst of connections going idle does not pile
// up sessions and fragment the heap.
constexpr config::millis park_delay{20};

bool expects_continue(const http::request_header<>& request) {
    return request.version() >= 11 && beast::iequals(request[http::field::expect], "100-continue");
}

template <class Stream>
class HttpSession final : public DrainableSession {
    static constexpr bool tls = std::is_same_v<Stream, TlsSocket>;

public:
    // `resumed`: a parked keep-alive connection whose next request is ready to read.
    HttpSession(Stream stream, Worker& worker, std::shared_ptr<const ListenerInfo> listener,
                std::string client_address, bool resumed)
        : stream_(std::move(stream)),
          worker_(worker),
          listener_(std::move(listener)),
          peer_address_(std::move(client_address)),
          requests_served_(resumed ? 1 : 0),
          data_ready_(resumed) {
        worker_.add_session(this);
    }

    ~HttpSession() override { worker_.remove_session(this); }

    void close_if_idle() override {
        if (!idle_) return;
        error_code ignored;
        auto& socket = beast::get_lowest_layer(stream_).socket();
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.cancel(ignored);
    }

    asio::awaitable<void> run() {
        if (listener_->proxy_protocol) {
            // A parked connection that resumes has had its PROXY header read already.
            if (requests_served_ == 0 && !co_await take_proxy_header()) co_return;
            note_balancer();
        }
        if constexpr (tls) {
            auto& listener_stats = worker_.stats().listener(listener_->name);
            beast::get_lowest_layer(stream_).expires_after(listener_->handshake_timeout);
            const auto ec = co_await stream_.handshake(TlsSocket::Side::server);
            if (ec) {
                listener_stats.tls_failures.add();
                log::debug("listener ", listener_->name, ": TLS handshake with ", peer_address_,
                           " failed: ", ec.message());
                co_return;
            }
            listener_stats.tls_handshakes.add();
        }
        // One request per turn, in this frame (a coroutine per step costs a frame each).
        // (GCC 12 miscompiles co_await inside a loop condition: keep it a statement.)
        for (;;) {
            if (buffer_.size() == 0) {
                // A connection accepted just before the drain still gets its first request
                // served. (No suspension between this check and idle_: a drain sees either.)
                if (requests_served_ > 0 && worker_.shared().closing.load(std::memory_order_relaxed)) break;
                // By value: a reload during the wait may free the generation it came from.
                const auto idle_timeout = worker_.limits().idle_timeout;
                const auto wait = wait_before_parking(idle_timeout);
                idle_ = true;
                beast::get_lowest_layer(stream_).expires_after(wait);
                auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), use_tuple);
                idle_ = false;
                buffer_.commit(n);
                if (ec == beast::error::timeout && wait < idle_timeout) {
                    if constexpr (!tls) {
                        // Idle for a while: wait for the next request outside this coroutine.
                        park_idle_connection(worker_, listener_, stream_.release_socket(),
                                             std::move(peer_address_), idle_timeout - wait);
                        co_return;
                    } else {
                        ec = co_await wait_idle_without_buffer(idle_timeout - wait);
                        data_ready_ = !ec;
                        if (!ec) continue;
                    }
                }
                if (ec) break;
            }
            // The runtime is taken once the request is here and held until it is answered:
            // a keep-alive connection picks up a reload with its next request, and no
            // request sees half of one.
            const auto state = worker_.state();
            start_request();
            const bool keep_alive = co_await handle_request(*state);
            request_parser_.reset();  // an idle connection holds no request fields
            ++requests_served_;
            if (facts_.status != 0) record();
            if (!keep_alive || worker_.shared().closing.load(std::memory_order_relaxed)) break;
        }
        co_await close();
    }

private:
    // How long to wait for the next request before the read gives up. A connection waits
    // for it only park_delay: a busy keep-alive connection's next request comes within
    // it, a quieter one waits the rest of its timeout with less memory (see run()). When
    // the request is already there, as under load, the read costs one recv and no wait.
    config::millis wait_before_parking(config::millis idle_timeout) {
        // After that wait the connection is readable: no second park delay.
        const bool readable = data_ready_;
        data_ready_ = false;
        return readable ? idle_timeout : std::min(idle_timeout, park_delay);
    }

    // TLS, idle for a while: the TLS state lives in the session, so the session stays, but
    // without its read buffer until the socket is readable (unless OpenSSL can go on
    // without new input: then it reads again at once).
    asio::awaitable<error_code> wait_idle_without_buffer(config::millis timeout) {
        if (!stream_.idle_until_readable()) co_return error_code{};
        buffer_.shrink_to_fit();
        idle_ = true;
        stream_.next_layer().expires_after(timeout);
        auto [ec] = co_await stream_.next_layer().async_wait(tcp::socket::wait_read, use_tuple);
        idle_ = false;
        co_return ec;
    }

    // The PROXY protocol header before anything else (before a TLS handshake too): the
    // client it names is this connection's peer from now on.
    asio::awaitable<bool> take_proxy_header() {
        auto& socket = beast::get_lowest_layer(stream_);
        socket.expires_after(listener_->proxy_protocol_timeout);
        const auto header = co_await read_proxy_header(socket);
        if (header.status != ProxyParse::Status::complete) {
            worker_.stats().listener(listener_->name).proxy_header_failures.add();
            log::info("listener ", listener_->name, ": connection from ", peer_address_, " closed: ", header.problem);
            co_return false;
        }
        if (header.source) peer_address_ = config::unmapped(*header.source).to_string();
        co_return true;
    }

    // The load balancer's address, for the access log, when its PROXY header named another.
    void note_balancer() {
        error_code ec;
        const auto remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
        if (ec) return;
        auto address = config::unmapped(remote.address()).to_string();
        if (address != peer_address_) balancer_address_ = std::move(address);
    }

    // The request's client: the peer, or what a trusted proxy's forwarding chain says.
    void find_client(const http::fields& request) {
        client_.clear();
        if (listener_->trusted_proxies.empty()) return;
        error_code ec;
        const auto peer = asio::ip::make_address(peer_address_, ec);
        if (ec) return;
        const auto client = client_of(peer, request, listener_->trusted_proxies, listener_->client_ip_header);
        if (client != config::unmapped(peer)) client_ = client.to_string();
    }
    std::string_view client() const { return client_.empty() ? std::string_view(peer_address_) : client_; }

    void start_request() {
        // The strings keep their capacity from one request to the next.
        facts_ = RequestFacts{.time = std::chrono::system_clock::now(),
                              .start = steady::now(),
                              .request_id = std::move(facts_.request_id),
                              .method = std::move(facts_.method),
                              .target = std::move(facts_.target)};
        facts_.request_id.clear();
        facts_.method.clear();
        facts_.target.clear();
    }

    // Allocated for every request, so its coroutine frame is kept under the 1,020 bytes
    // Asio recycles: the parser lives in the session, and every answer other than a
    // proxied one is made in a coroutine of its own (GCC gives every local a place in
    // the frame, whether its branch runs or not).
    asio::awaitable<bool> handle_request(WorkerState& state) {
        const auto& config = *state.runtime->config;
        auto& parser = request_parser_.emplace();
        parser.header_limit(static_cast<std::uint32_t>(config.limits.header_bytes));
        parser.body_limit(config.limits.body_bytes);
        error_code ec;
        const auto buffered = buffer_.size();
        if (!proxy::parse_buffered(parser, buffer_, ec) || (!ec && !parser.is_header_done())) {
            beast::get_lowest_layer(stream_).expires_after(config.limits.header_timeout);
            ec = co_await proxy::read_header_bounded(stream_, buffer_, parser, config.limits.header_bytes,
                                                     buffered - buffer_.size());
        }
        if (ec) co_return co_await answer_read_error(ec, parser);
        note_request(parser);

        auto& req = parser.get();
        if (const auto problem = check_framing_and_host(parser)) {
            log::info("request ", facts_.request_id, " from ", client(), " refused: ", problem);
            co_return co_await send_error(errors::bad_request, false);
        }
        if (const auto* refusal = refused_by_policy(parser, config.limits)) co_return co_await send_refusal(*refusal);
        const auto path = routing_path(req.target());
        if (!path) co_return co_await send_error(errors::bad_request, false);
        if (listener_->admin) co_return co_await answer_admin_request(*path, config.limits);

        const std::string_view host = req[http::field::host];  // the fields are never edited: a stable view
        const auto match = state.runtime->router.match(host, *path, req.method_string());
        if (match.kind == routing::RouteMatch::Kind::not_found) {
            co_return co_await send_error(errors::not_found, keep_alive_after_error(parser));
        }
        if (match.kind == routing::RouteMatch::Kind::method_not_allowed) {
            co_return co_await send_method_not_allowed(match.allow);
        }
        const auto& route = config.routes[match.route_index];
        facts_.route = route.name;
        facts_.route_stats = state.route_stats[match.route_index];
        if (!route.rate_limits.empty()) {
            if (const auto wait = over_rate_limit(route)) co_return co_await send_rate_limited(*wait);
        }
        auto* handler = state.handlers[match.route_index].get();
        if (handler && !handler->acts_before_proxy()) {
            co_return co_await serve_handler(*handler, config.limits);
        }
        if (handler) {
            const auto answered = co_await answer_before_proxy(*handler);
            if (answered) co_return *answered;
        }

        std::string buffered_body;  // a small body, read whole before an upstream is taken
        if (wants_buffering(parser, config.limits)) {
            const auto buffered = co_await buffer_request_body(buffered_body, config.limits);
            if (buffered) co_return *buffered;
        }

        auto& pool = *state.pools[state.runtime->route_upstream[match.route_index]];
        facts_.upstream = pool.upstream().name;
        proxy::ProxyRequest proxy_request{
            parser,
            route,
            config,
            pool,
            {client(), tls, host, facts_.request_id, state.runtime->owned_headers},
            parser.keep_alive(),
            expects_continue(req),
            req.version(),
            &worker_.shared().closing,
            parser.is_done() && !buffered_body.empty() ? &buffered_body : nullptr,
            listener_->strict_transport_security};
        const auto upstream_start = steady::now();
        proxy::ProxyOutcome outcome;
        if (proxy::is_websocket_upgrade(req)) {
            outcome = co_await proxy::tunnel_websocket(stream_, buffer_, proxy_request);
        } else {
            outcome = co_await proxy::proxy_request(stream_, buffer_, proxy_request);
        }
        facts_.upstream_time = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - upstream_start);
        if (outcome.server) facts_.server = outcome.server->url;
        if (outcome.error) co_return co_await send_error(*outcome.error, keep_alive_after_error(parser));
        facts_.status = outcome.status;
        facts_.bytes_in = outcome.bytes_in;
        facts_.bytes_out = outcome.bytes_out;
        // A response broken off mid-body must not look complete, even where the body is
        // delimited by the connection's end: reset instead of closing.
        if (outcome.aborted) reset_on_close_ = true;
        co_return outcome.keep_alive;
    }

    // What the access log, the metrics and the answer need from a request's header.
    void note_request(RequestParser& parser) {
        const auto& req = parser.get();
        head_request_ = req.method() == http::verb::head;
        take_request_id(parser);
        find_client(req);
        facts_.method_class = observability::method_class_of(req.method());
        if (worker_.access_log().enabled()) {
            facts_.method.assign(req.method_string());
            facts_.target.assign(req.target());
        }
    }

    asio::awaitable<bool> answer_admin_request(const std::string& path, const config::Limits& limits) {
        auto& parser = *request_parser_;
        facts_.route = "(admin)";
        if (auto* handler = service_admin_handler(path)) {
            co_return co_await serve_handler(*handler, limits);
        }
        auto response = answer_admin(worker_.shared(), path, parser.get().method(), facts_.request_id);
        co_return co_await send(std::move(response), keep_alive_after_error(parser));
    }

    // What the limits' policies refuse (TRACE, underscores in header names), or null; with
    // underscores_in_headers "drop", such fields are removed here.
    const ErrorInfo* refused_by_policy(RequestParser& parser, const config::Limits& limits) {
        using config::UnderscoreHeaders;
        if (parser.get().method() == http::verb::trace && !limits.allow_trace) return &errors::trace_refused;
        if (limits.underscores_in_headers == UnderscoreHeaders::pass) return nullptr;
        const bool drop = limits.underscores_in_headers == UnderscoreHeaders::drop;
        if (underscore_fields(parser, drop) > 0 && !drop) return &errors::underscore_header;
        return nullptr;
    }

    asio::awaitable<bool> send_refusal(const ErrorInfo& refusal) {
        auto response = make_error_response(refusal, facts_.request_id);
        if (refusal.status == http::status::method_not_allowed) {
            response.set(http::field::allow, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
        }
        co_return co_await send(std::move(response), keep_alive_after_error(*request_parser_));
    }

    // Every limit of the route must have a token (a token taken from one whose sibling
    // refuses is not given back: a refused client pays for trying). How long until the
    // one that refused has a token.
    std::optional<RateLimiter::Clock::duration> over_rate_limit(const config::Route& route) {
        auto& limiter = worker_.shared().rate_limiter;
        const auto now = RateLimiter::Clock::now();
        std::string& key = rate_key_;
        for (const auto& limit : route.rate_limits) {
            key.assign(route.name);
            key += '\0';
            if (limit.per == config::RateLimit::Key::client_ip) key += client();
            if (auto wait = limiter.take(key, limit.per_second, limit.burst, now)) return wait;
        }
        return std::nullopt;
    }

    asio::awaitable<bool> send_rate_limited(RateLimiter::Clock::duration wait) {
        facts_.route_stats->rate_limited.add();
        auto response = make_error_response(errors::rate_limited, facts_.request_id);
        const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
        response.set(http::field::retry_after, std::to_string(std::max<std::int64_t>(1, seconds)));
        co_return co_await send(std::move(response), keep_alive_after_error(*request_parser_));
    }

    asio::awaitable<bool> send_method_not_allowed(const std::string& allow) {
        auto response = make_method_not_allowed(allow, facts_.request_id);
        co_return co_await send(std::move(response), keep_alive_after_error(*request_parser_));
    }

    // A handler that may answer before the request is proxied. Empty when it let the
    // request through; otherwise whether the connection stays open after its answer.
    asio::awaitable<std::optional<bool>> answer_before_proxy(handlers::Handler& handler) {
        auto& parser = *request_parser_;
        const handlers::RequestHead head{parser.get(), facts_.request_id, client(), tls};
        std::optional<handlers::Response> answer;
        try {
            answer = co_await handler.before_proxy(head);
        } catch (const std::exception& e) {
            log::error("request ", facts_.request_id, ": handler failed before proxying: ", e.what());
            answer = make_error_response(errors::internal, facts_.request_id);
        }
        if (!answer) co_return std::nullopt;
        co_return co_await send(std::move(*answer), keep_alive_after_error(parser));
    }

    asio::awaitable<bool> serve_handler(handlers::Handler& handler, const config::Limits& limits) {
        auto& parser = *request_parser_;
        const auto& request_id = facts_.request_id;
        auto& req = parser.get();
        const bool keep_alive = parser.keep_alive();
        std::string body;
        if (!parser.is_done()) {
            if (expects_continue(req)) {
                co_await proxy::send_continue(stream_, limits.idle_timeout);
            }
            auto read = co_await read_small_body(parser, body, limits);
            if (read) co_return co_await answer_body_read_error(read);
        }
        facts_.bytes_in = body.size();
        http::request<http::string_body> message{std::move(req.base()), std::move(body)};
        handlers::Request request{message, request_id, client(), tls};
        handlers::Response response;
        try {
            response = co_await handler.handle(request);
        } catch (const std::exception& e) {
            log::error("request ", request_id, ": handler failed: ", e.what());
            response = make_error_response(errors::internal, request_id);
        }
        co_return co_await send(std::move(response), keep_alive);
    }

    handlers::Handler* service_admin_handler(std::string_view path) const {
        for (auto* service : worker_.shared().services) {
            if (auto* handler = service->admin_handler(path)) return handler;
        }
        return nullptr;
    }

    // A body that is not streamed must arrive whole within limits.body_timeout: one
    // deadline for all of it, so a client sending a byte now and then is cut off.
    asio::awaitable<error_code> read_small_body(RequestParser& parser, std::string& body,
                                                const config::Limits& limits) {
        std::array<char, 8192> piece;
        auto& buffer_body = parser.get().body();
        beast::get_lowest_layer(stream_).expires_after(limits.body_timeout);
        const proxy::FramingLimits framing{.trailers = limits.header_bytes};
        proxy::ChunkExtensionLimit extension_limit{framing.chunk_line};
        if (parser.chunked()) parser.on_chunk_header(extension_limit);
        while (!parser.is_done()) {
            buffer_body.data = piece.data();
            buffer_body.size = piece.size();
            const auto ec = co_await proxy::read_some_bounded(stream_, buffer_, parser, framing);
            if (ec && ec != http::error::need_buffer) co_return ec;
            body.append(piece.data(), piece.size() - buffer_body.size);
        }
        co_return error_code{};
    }

    // Request buffering (limits.request_buffering_bytes): a body with a Content-Length up
    // to the limit is read before an upstream connection is taken.
    static bool wants_buffering(const RequestParser& parser, const config::Limits& limits) {
        if (parser.is_done() || parser.chunked() || limits.request_buffering_bytes == 0) return false;
        const auto length = parser.content_length();
        return length && *length <= limits.request_buffering_bytes;
    }

    // Reads the body into `body`; the answer (and whether the connection stays) when the
    // body could not be read, else nothing.
    asio::awaitable<std::optional<bool>> buffer_request_body(std::string& body, const config::Limits& limits) {
        auto& parser = *request_parser_;
        if (expects_continue(parser.get())) co_await proxy::send_continue(stream_, limits.idle_timeout);
        const auto read = co_await read_small_body(parser, body, limits);
        if (!read) co_return std::nullopt;
        co_return co_await answer_body_read_error(read);
    }

    // A body that could not be read: 400/413/431 for a bad one, 408 for a slow one, and
    // the connection closes; a connection that ended gets nothing.
    asio::awaitable<bool> answer_body_read_error(const error_code& read) {
        if (proxy::is_parse_error(read)) {
            unread_body_ = true;
            co_return co_await send_error(proxy::answer_to_body_parse_error(read), false);
        }
        if (read == beast::error::timeout) {
            log::info("request ", facts_.request_id, " from ", client(), ": the body did not arrive in time");
            co_return co_await send_error(errors::body_timeout, false);
        }
        co_return false;
    }

    asio::awaitable<bool> answer_read_error(const error_code& ec, RequestParser& parser) {
        // Unknown how much of the request is still in flight, so the close lingers;
        // except after a timeout: a client that slow gets no more time.
        unread_body_ = ec != beast::error::timeout;
        if (ec == http::error::header_limit) {
            worker_.next_request_id(facts_.request_id);
            co_await send_error(errors::headers_too_large, false);
        } else if (ec == http::error::body_limit) {
            take_request_id(parser);  // the header is complete
            co_await send_error(errors::payload_too_large, false);
        } else if (proxy::is_parse_error(ec)) {
            log::info("listener ", listener_->name, ": malformed request from ", peer_address_, ": ", ec.message());
            worker_.next_request_id(facts_.request_id);
            co_await send_error(errors::bad_request, false);
        }
        // Timeouts and closed connections end quietly.
        co_return false;
    }

    // The client's X-Request-Id when well-formed, else a new one, into facts_.
    void take_request_id(RequestParser& parser) {
        const auto id = parser.get()["X-Request-Id"];
        if (is_valid_request_id(id)) {
            facts_.request_id.assign(id);
        } else {
            worker_.next_request_id(facts_.request_id);
        }
    }

    // After an error answered before the body was read, the connection cannot be reused.
    // (The parser's own flag: it also knows HTTP/1.0's default.)
    bool keep_alive_after_error(RequestParser& parser) {
        unread_body_ = !parser.is_done();
        return parser.is_done() && parser.keep_alive();
    }

    // An error answer with the request's id (facts_.request_id).
    asio::awaitable<bool> send_error(const ErrorInfo& error, bool keep_alive) {
        auto response = make_error_response(error, facts_.request_id);
        co_return co_await send(std::move(response), keep_alive);
    }

    // Every answer of the gateway's own goes out here, with the request's id.
    asio::awaitable<bool> send(http::response<http::string_body> response, bool keep_alive) {
        response.set("X-Request-Id", facts_.request_id);
        if (!listener_->strict_transport_security.empty()) {
            response.set(http::field::strict_transport_security, listener_->strict_transport_security);
        }
        keep_alive = keep_alive && !worker_.shared().closing.load(std::memory_order_relaxed);
        response.keep_alive(keep_alive);
        response.prepare_payload();
        facts_.status = response.result_int();
        facts_.bytes_out = head_request_ ? 0 : response.body().size();
        beast::get_lowest_layer(stream_).expires_after(worker_.limits().idle_timeout);
        http::response_serializer<http::string_body> writer{response};
        error_code ec;
        if (head_request_) {
            std::tie(ec, std::ignore) = co_await http::async_write_header(stream_, writer, use_tuple);
        } else {
            std::tie(ec, std::ignore) = co_await http::async_write(stream_, writer, use_tuple);
        }
        co_return !ec && keep_alive;
    }

    void record() {
        const auto total = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - facts_.start);
        auto* route_stats = facts_.route_stats ? facts_.route_stats : &worker_.unrouted_stats(facts_.route);
        route_stats->record(facts_.method_class, facts_.status, total, facts_.bytes_in, facts_.bytes_out);
        auto& access_log = worker_.access_log();
        if (!access_log.enabled()) return;
        access_log.append({facts_.time, facts_.request_id, listener_->name, client(),
                           client_.empty() ? std::string_view(balancer_address_) : std::string_view(peer_address_), facts_.method,
                           facts_.target, facts_.route, facts_.upstream, facts_.server, facts_.status,
                           facts_.bytes_in, facts_.bytes_out, total, facts_.upstream_time});
    }

    // Ends the connection. After an answer sent before the request body was read, the
    // unread bytes are drained for a moment (like nginx's lingering close): closing with
    // unread data makes the kernel send a reset, which can destroy the answer in flight.
    asio::awaitable<void> close() {
        auto& socket = beast::get_lowest_layer(stream_).socket();
        error_code ignored;
        if (reset_on_close_) {
            socket.set_option(asio::socket_base::linger(true, 0), ignored);
            socket.close(ignored);
            co_return;
        }
        if constexpr (tls) stream_.notify_close();
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        if (unread_body_) {
            constexpr std::size_t linger_limit = 1024 * 1024;
            std::array<char, 4096> discard;
            beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
            for (std::size_t drained = 0; drained < linger_limit;) {
                auto [ec, n] = co_await beast::get_lowest_layer(stream_).async_read_some(asio::buffer(discard), use_tuple);
                if (ec) break;
                drained += n;
            }
        }
        socket.close(ignored);
    }

    Stream stream_;
    beast::flat_buffer buffer_;
    std::optional<RequestParser> request_parser_;  // the request being served
    Worker& worker_;
    std::shared_ptr<const ListenerInfo> listener_;
    std::string peer_address_;  // the TCP peer, or the client its PROXY header named
    std::string client_;        // the request's client when a trusted proxy named another
    std::string balancer_address_;  // the TCP peer when a PROXY header named another
    std::string rate_key_;          // reused: a rate limit's bucket key
    RequestFacts facts_;
    bool idle_ = false;            // waiting for the next request: may be closed by a drain
    std::uint64_t requests_served_ = 0;
    bool head_request_ = false;    // the request being answered is HEAD: no body
    bool unread_body_ = false;     // answered before its body was read
    bool reset_on_close_ = false;  // a response was broken off
    bool data_ready_ = false;      // the socket is readable after an idle wait (or parking)
};

template <class Stream>
void spawn(Worker& worker, Stream stream, std::shared_ptr<const ListenerInfo> listener, std::string client_address,
           bool resumed = false) {
    auto session = std::make_unique<HttpSession<Stream>>(std::move(stream), worker, std::move(listener),
                                                         std::move(client_address), resumed);
    auto& ref = *session;
    asio::co_spawn(worker.io(), [s = std::move(session), &ref]() { return ref.run(); },
                   [](std::exception_ptr failure) {
                       if (!failure) return;
                       try {
                           std::rethrow_exception(failure);
                       } catch (const std::exception& e) {
                           log::error("connection ended by an unexpected error: ", e.what());
                       }
                   });
}

}  // namespace

void start_session(Worker& worker, std::shared_ptr<const ListenerInfo> listener, tcp::socket socket) {
    error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return;  // the client is already gone
    std::string client_address = config::unmapped(remote.address()).to_string();
    if (listener->tls) {
        std::optional<TlsSocket> tls;
        try {
            // The connection holds the context (OpenSSL counts it): a reload may replace it.
            tls.emplace(TimedSocket(std::move(socket)), listener->tls->current()->native_handle());
        } catch (const std::bad_alloc&) {
            log::error("listener ", listener->name, ": no memory for a TLS connection from ", client_address);
            return;  // the socket closes with the TimedSocket
        }
        spawn(worker, std::move(*tls), std::move(listener), std::move(client_address));
    } else {
        spawn(worker, TimedSocket(std::move(socket)), std::move(listener), std::move(client_address));
    }
}

void resume_session(Worker& worker, std::shared_ptr<const ListenerInfo> listener, tcp::socket socket,
                    std::string client_address) {
    spawn(worker, TimedSocket(std::move(socket)), std::move(listener), std::move(client_address), true);
}

}  // namespace tg::server
