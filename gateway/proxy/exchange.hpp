// Forwards one request, already parsed up to its header, to an upstream and streams
// the response back. Used by http_session for routes that proxy.
#pragma once

#include "gateway/config/model.hpp"
#include "gateway/core/asio_aliases.hpp"
#include "gateway/core/error_response.hpp"
#include "gateway/proxy/header_policy.hpp"
#include "gateway/proxy/upstream_pool.hpp"

#include <atomic>
#include <initializer_list>
#include <string>
#include <string_view>

namespace tg::proxy {

struct ProxyRequest {
    http::request_parser<http::buffer_body>& parser;
    const config::Route& route;
    const config::Config& config;
    UpstreamPool& pool;
    ForwardingInfo forwarding;
    bool client_keep_alive = false;
    bool expect_continue = false;
    unsigned client_version = 11;  // the client's; the upstream always gets HTTP/1.1
    // Set while the gateway drains: the response then ends the connection.
    const std::atomic<bool>* closing = nullptr;
    // The whole body when the session read it first (request buffering): sent with the
    // header, and the request may be retried like one without a body.
    const std::string* buffered_body = nullptr;
    // The listener's Strict-Transport-Security value, replacing the upstream's; empty: none.
    std::string_view strict_transport_security = {};
};

struct ProxyOutcome {
    // When set, nothing was sent to the client yet: the caller answers with this error.
    const ErrorInfo* error = nullptr;
    bool keep_alive = false;  // the client connection may serve another request
    bool aborted = false;     // a response was started and broken off: reset the client connection
    unsigned status = 0;
    std::uint64_t bytes_out = 0;
    std::uint64_t bytes_in = 0;
    const config::UpstreamServer* server = nullptr;  // the server that answered
};

// The request header as the upstream gets it: HTTP/1.1, hop-by-hop fields out, the
// route's rules, the forwarding headers, the body's framing, the server's Host, and
// `extra` lines (the WebSocket upgrade). Appended to `out`.
void write_upstream_request_head(const ProxyRequest& request, std::string_view host, std::string& out,
                                 std::initializer_list<HeaderLine> extra = {});

// The answer when no connection to the upstream could be made.
const ErrorInfo& acquire_error(const AcquireResult& acquired);

// Explicitly instantiated for plain and TLS client streams in exchange.cpp.
template <class ClientStream>
asio::awaitable<ProxyOutcome> proxy_request(ClientStream& client, beast::flat_buffer& client_buffer,
                                            ProxyRequest& request);

namespace errors {
inline constexpr ErrorInfo upstream_tls{http::status::bad_gateway, "bad_gateway",
                                        "the TLS handshake with the upstream service failed"};
}

}  // namespace tg::proxy
