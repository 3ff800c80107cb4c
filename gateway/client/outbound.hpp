// Requests that handlers make to upstreams (the portal's session endpoint, the 6MM
// Agent API, dxWeb): whole bodies in memory, over the worker's pooled keep-alive
// connections with the upstream's TLS verification and timeouts.
//
// Retry rule: a failure to connect moves on to the next server (the pool does that).
// A request that may have reached the server is never sent again, unless the caller
// marks it safe to repeat and it failed on a reused connection before any answer.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "gateway/proxy/upstream_pool.hpp"

#include <chrono>

namespace tg::client {

struct CallResult {
    enum class Outcome {
        ok,           // a complete response (any status)
        unreachable,  // no server could be connected (refused, DNS, connect timeout)
        tls,          // TLS handshake or certificate verification failed
        timeout,      // sent, but no complete answer within the response timeout
        broken,       // the connection failed or the answer was malformed or too large
    };
    Outcome outcome = Outcome::unreachable;
    http::response<http::string_body> response;
    const config::UpstreamServer* server = nullptr;

    bool ok() const { return outcome == Outcome::ok; }
};

struct CallOptions {
    std::size_t body_limit = 1024 * 1024;
    bool safe_to_repeat = false;  // e.g. a GET: may be resent once after a stale connection
};

// Sets Host (the server's authority) and Content-Length; everything else is the caller's.
asio::awaitable<CallResult> call(proxy::UpstreamPool& pool, http::request<http::string_body> request,
                                 CallOptions options = {});

}  // namespace tg::client
