#include "gateway/proxy/exchange.hpp"

#include "gateway/core/log.hpp"
#include "gateway/proxy/header_writer.hpp"
#include "gateway/proxy/relay.hpp"
#include "gateway/proxy/send_continue.hpp"

namespace tg::proxy {
namespace {

constexpr std::size_t upstream_header_limit = 64 * 1024;
// Interim (1xx) answers skipped before a response: more is a misbehaving upstream.
constexpr int max_interim_responses = 16;

bool is_idempotent(http::verb method) {
    switch (method) {
        case http::verb::get:
        case http::verb::head:
        case http::verb::options:
        case http::verb::trace:
        case http::verb::put:
        case http::verb::delete_: return true;
        default: return false;
    }
}

// Trailers obey the same rules as headers: no hop-by-hop fields, none that the route
// removes or sets (a client must not slip in a copy of an injected secret), none that
// only the gateway may assert, and no forwarding header at all (an upstream that reads
// trailers into its headers must not see a forged client address or request id).
void sanitize_trailers(http::fields& trailers, const config::HeaderRules& rules,
                       std::span<const std::string> owned_headers, bool drop_underscores) {
    if (trailers.begin() == trailers.end()) return;  // the usual case: nothing to check
    if (drop_underscores) {  // as the header's (limits.underscores_in_headers), but never refused this late
        for (auto field = trailers.begin(); field != trailers.end();) {
            field = field->name_string().find('_') == std::string_view::npos ? std::next(field) : trailers.erase(field);
        }
    }
    static const config::HeaderRules none;
    static const Secrets no_secrets;
    HeaderRewrite rewrite(trailers, none, no_secrets);
    for (const auto& name : rules.remove) rewrite.drop(name);
    for (const auto& [name, value] : rules.set) rewrite.drop(name);
    for (const auto& name : owned_headers) rewrite.drop(name);
    for (const auto name : {"Host", "Authorization", "Cookie", "Set-Cookie", "Content-Type", "Trailer",
                            "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id", "Forwarded",
                            "X-Real-IP"}) {
        rewrite.drop(name);
    }
    rewrite.apply_to(trailers);
}

// What happened on one attempt over one upstream connection.
struct Attempt {
    enum class Kind { done, retry, error, abort } kind = Kind::done;
    const ErrorInfo* error = nullptr;
    bool client_keep_alive = false;
    bool upstream_reusable = false;
    unsigned status = 0;
    std::uint64_t bytes_out = 0;
    std::uint64_t bytes_in = 0;
};

Attempt fail(const ErrorInfo& error) { return {Attempt::Kind::error, &error}; }
Attempt abort_both() { return {Attempt::Kind::abort}; }

// How the response body reaches the client.
struct ResponseFraming {
    std::optional<std::uint64_t> content_length;  // written as Content-Length
    bool chunked_out = false;
    bool close_after = false;  // body delimited by closing the connection
};

ResponseFraming framing_of(const ProxyRequest& r, const ResponseParser& parser,
                           bool head_request) {
    const auto content_length = parser.content_length();
    const unsigned status = parser.get().result_int();
    ResponseFraming framing;
    const bool no_body = head_request || status / 100 == 1 || status == 204 || status == 304;
    if (no_body) {
        // A HEAD answer keeps the length of the body it describes; 1xx/204 have none.
        const bool may_carry_length = status / 100 != 1 && status != 204;
        if (content_length && may_carry_length) framing.content_length = *content_length;
    } else if (content_length && !parser.chunked()) {
        framing.content_length = *content_length;
    } else if (r.client_version >= 11) {
        framing.chunked_out = true;
    } else {
        framing.close_after = true;
    }
    return framing;
}

// The response header as the client gets it, appended to `out`.
void write_client_response_head(const ProxyRequest& r, const ResponseParser::value_type::header_type& res,
                                const ResponseFraming& framing, bool keep_alive, std::string& out) {
    HeaderRewrite fields(res, r.route.response_headers, r.config.secrets);
    fields.replace("X-Request-Id", r.forwarding.request_id);
    if (!r.strict_transport_security.empty()) fields.replace("Strict-Transport-Security", r.strict_transport_security);
    if (framing.content_length) {
        fields.replace_content_length(*framing.content_length);
    } else if (framing.chunked_out) {
        fields.replace("Transfer-Encoding", "chunked");
    }
    if (!keep_alive) {
        fields.replace("Connection", "close");
    } else if (r.client_version < 11) {
        fields.replace("Connection", "keep-alive");
    }
    write_response_head(res, fields, out);
}

// The request body, after its header went (answering Expect: 100-continue first):
// done with the bytes sent in bytes_in, or how the attempt failed.
template <class ClientStream, class UpstreamStream>
asio::awaitable<Attempt> send_request_body(ClientStream& client, beast::flat_buffer& client_buffer, ProxyRequest& r,
                                           UpstreamStream& upstream) {
    const auto& limits = r.config.limits;
    const auto& upstream_config = r.pool.upstream();
    if (r.expect_continue) {
        const auto ec = co_await send_continue(client, limits.idle_timeout);
        if (ec) co_return abort_both();
    }
    ScratchBuffer scratch;
    std::string no_header;
    const FramingLimits framing{.trailers = limits.header_bytes};
    const auto sent = co_await relay_body(client, client_buffer, r.parser, upstream, r.parser.chunked(), framing,
                                          limits.idle_timeout, upstream_config.response_timeout, scratch.span(),
                                          [&](http::fields& trailers) {
                                              sanitize_trailers(trailers, r.route.request_headers, r.forwarding.owned_headers,
                                                                limits.underscores_in_headers !=
                                                                    config::UnderscoreHeaders::pass);
                                          },
                                          no_header);
    if (sent.failure == RelayResult::Failure::body_limit || sent.failure == RelayResult::Failure::parse) {
        co_return fail(answer_to_body_parse_error(sent.error));
    }
    if (sent.failure == RelayResult::Failure::read) co_return abort_both();
    if (sent.failure == RelayResult::Failure::write) {
        log::warn("upstream ", upstream_config.name, ": sending the request body failed: ", sent.error.message());
        co_return fail(tg::errors::bad_gateway);
    }
    Attempt done;
    done.bytes_in = sent.bytes;
    co_return done;
}

// One exchange over one upstream connection. Its coroutine frame is allocated for
// every request, so it is kept under the 1,020 bytes Asio recycles: the response
// parser lives in the connection, and the request body is sent by a coroutine of
// its own.
template <class ClientStream, class UpstreamStream>
asio::awaitable<Attempt> attempt_on(ClientStream& client, beast::flat_buffer& client_buffer, ProxyRequest& r,
                                    UpstreamConnection& connection, UpstreamStream& upstream, bool reused) {
    const auto& limits = r.config.limits;
    const auto& upstream_config = r.pool.upstream();
    auto& req = r.parser.get();
    const bool has_request_body = !r.parser.is_done();
    const bool may_retry_after_send = reused && is_idempotent(req.method()) && !has_request_body;

    // The connection's string keeps its capacity: no allocation per header.
    auto& head = connection.head;
    write_upstream_request_head(r, r.pool.host_header(connection.server_index), head);
    connection.tcp().expires_after(upstream_config.response_timeout);
    const asio::const_buffer body_in_hand =
        r.buffered_body ? asio::buffer(*r.buffered_body) : asio::const_buffer();
    error_code write_ec;
    std::size_t sent = 0;
    if (!write_now(upstream, head, body_in_hand, sent)) {
        write_ec = co_await write_rest(upstream, head, body_in_hand, sent);
    }
    if (write_ec) {
        if (reused) co_return Attempt{Attempt::Kind::retry};
        log::warn("upstream ", upstream_config.name, ": sending the request failed: ", write_ec.message());
        co_return fail(tg::errors::bad_gateway);
    }

    std::uint64_t request_bytes = body_in_hand.size();
    if (has_request_body) {
        const auto body = co_await send_request_body(client, client_buffer, r, upstream);
        if (body.kind != Attempt::Kind::done) co_return body;
        request_bytes = body.bytes_in;
    }

    // The response header, skipping interim 1xx answers (a 101 is not proxied yet). One
    // deadline for all of them: an upstream sending 100 Continue every second must not
    // hold the client past the response timeout.
    auto& parser = connection.response;
    connection.tcp().expires_after(upstream_config.response_timeout);
    for (int interim = 0;; ++interim) {
        if (interim > max_interim_responses) {
            log::warn("upstream ", upstream_config.name, ": more than ", max_interim_responses,
                      " interim responses before a response");
            co_return fail(tg::errors::bad_gateway);
        }
        connection.new_response();
        parser->header_limit(upstream_header_limit);
        parser->body_limit(boost::none);
        if (req.method() == http::verb::head) parser->skip(true);
        const auto read_ec = co_await read_header_bounded(upstream, connection.buffer, *parser, upstream_header_limit);
        if (read_ec == beast::error::timeout) {
            log::warn("upstream ", upstream_config.name, ": no response within ",
                      upstream_config.response_timeout.count(), " ms");
            co_return fail(tg::errors::upstream_timeout);
        }
        if (read_ec) {
            if (may_retry_after_send && is_connection_lost(read_ec)) co_return Attempt{Attempt::Kind::retry};
            log::warn("upstream ", upstream_config.name, ": reading the response failed: ", read_ec.message());
            co_return fail(tg::errors::bad_gateway);
        }
        const unsigned status = parser->get().result_int();
        if (status == 101) {
            // The gateway never forwards Upgrade, so a switch of protocols is not an answer.
            log::warn("upstream ", upstream_config.name, ": unexpected 101 Switching Protocols");
            co_return fail(tg::errors::bad_gateway);
        }
        if (status / 100 != 1) break;
    }
    const bool upstream_keep_alive = parser->keep_alive();
    const auto framing = framing_of(r, *parser, req.method() == http::verb::head);
    auto& res = parser->get();
    const bool closing = r.closing && r.closing->load(std::memory_order_relaxed);
    const bool keep_alive = r.client_keep_alive && !closing && !framing.close_after && r.parser.is_done();
    write_client_response_head(r, res, framing, keep_alive, head);

    Attempt outcome;
    outcome.status = res.result_int();
    outcome.bytes_in = request_bytes;
    std::optional<ScratchBuffer> scratch;
    std::span<char> body;
    if (!parser->is_done()) body = whole_body_in_buffer(*parser, connection.buffer, scratch.emplace().span());
    if (parser->is_done()) {  // no body, or all of it in hand: header and body go in one write
        beast::get_lowest_layer(client).expires_after(limits.idle_timeout);
        const asio::const_buffer piece(body.data(), body.size());
        if (!write_now(client, head, piece, sent)) {
            write_ec = co_await write_rest(client, head, piece, sent);
        }
        if (write_ec) co_return abort_both();
        outcome.bytes_out = body.size();
    } else {
        const auto received = co_await relay_body(upstream, connection.buffer, *parser, client, framing.chunked_out,
                                                  FramingLimits{.trailers = upstream_header_limit},
                                                  upstream_config.response_timeout, limits.idle_timeout, scratch->span(),
                                                  [&](http::fields& trailers) { sanitize_trailers(trailers, r.route.response_headers, {}, false); },
                                                  head);
        const bool read_failed = received.failure == RelayResult::Failure::read ||
                                 received.failure == RelayResult::Failure::parse;
        if (read_failed && received.bytes == 0) {
            // Nothing reached the client yet (the header waits for the first body bytes).
            log::warn("upstream ", upstream_config.name, ": response body broken off: ", received.error.message());
            co_return fail(tg::errors::bad_gateway);
        }
        if (received.failure != RelayResult::Failure::none) {
            // Never present a truncated body as complete: the client sees the connection end.
            if (read_failed) {
                log::warn("upstream ", upstream_config.name, ": response body broken off: ",
                          received.error.message());
            }
            Attempt aborted = abort_both();
            aborted.status = outcome.status;
            co_return aborted;
        }
        outcome.bytes_out = received.bytes;
    }
    outcome.client_keep_alive = keep_alive;
    outcome.upstream_reusable = upstream_keep_alive && !framing.close_after && parser->is_done();
    co_return outcome;
}

}  // namespace

void write_upstream_request_head(const ProxyRequest& r, std::string_view host, std::string& out,
                                 std::initializer_list<HeaderLine> extra) {
    const auto& req = r.parser.get();
    HeaderRewrite fields(req, r.route.request_headers, r.config.secrets);
    fields.drop("Expect");
    add_forwarding_headers(fields, r.forwarding);
    fields.replace("Host", host);
    if (r.parser.chunked()) {
        fields.replace("Transfer-Encoding", "chunked");
    } else if (const auto content_length = r.parser.content_length()) {
        fields.replace_content_length(*content_length);
    }
    for (const auto& line : extra) fields.replace(line.name, line.value);
    write_request_head(req, fields, out);
}

const ErrorInfo& acquire_error(const AcquireResult& acquired) {
    return acquired.failure == AcquireResult::Failure::tls ? errors::upstream_tls : tg::errors::upstream_unavailable;
}

template <class ClientStream>
asio::awaitable<ProxyOutcome> proxy_request(ClientStream& client, beast::flat_buffer& client_buffer,
                                            ProxyRequest& request) {
    // One retry, on a fresh connection, when a reused one turned out to be dead.
    for (int attempt_number = 0; attempt_number < 2; ++attempt_number) {
        // Usually a pooled connection is there: taken without a coroutine of its own.
        auto acquired = attempt_number == 0 ? request.pool.acquire_pooled() : AcquireResult{};
        if (!acquired.connection) acquired = co_await request.pool.acquire(false);
        if (!acquired.connection) {
            const auto& server = request.pool.upstream();
            log::warn("upstream ", server.name, ": cannot connect: ", acquired.error.message());
            co_return ProxyOutcome{&acquire_error(acquired)};
        }
        const auto& server = request.pool.upstream().servers[acquired.connection->server_index];
        auto& connection = *acquired.connection;
        const auto step = co_await std::visit(
            [&](auto& upstream) {
                return attempt_on(client, client_buffer, request, connection, upstream, acquired.reused);
            },
            connection.stream);
        if (step.kind == Attempt::Kind::done && step.upstream_reusable) {
            request.pool.release(std::move(acquired.connection));
        } else {
            request.pool.discard(std::move(acquired.connection));
        }
        switch (step.kind) {
            case Attempt::Kind::retry: continue;
            case Attempt::Kind::error: co_return ProxyOutcome{step.error};
            case Attempt::Kind::abort: co_return ProxyOutcome{nullptr, false, true, step.status};
            case Attempt::Kind::done:
                co_return ProxyOutcome{nullptr, step.client_keep_alive, false, step.status, step.bytes_out,
                                       step.bytes_in, &server};
        }
    }
    co_return ProxyOutcome{&tg::errors::bad_gateway};
}

template asio::awaitable<ProxyOutcome> proxy_request(TimedSocket&, beast::flat_buffer&, ProxyRequest&);
template asio::awaitable<ProxyOutcome> proxy_request(TlsSocket&, beast::flat_buffer&,
                                                     ProxyRequest&);

}  // namespace tg::proxy
