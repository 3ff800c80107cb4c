// The validated configuration. Every value here has passed validation; code that
// reads a Config never re-checks it. Durations are milliseconds.
#pragma once

#include "gateway/config/networks.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tg::config {

using millis = std::chrono::milliseconds;

// A secret's resolved value. It has no stream operator and no implicit string
// conversion, so it cannot end up in a log line or an error message by accident.
class SecretValue {
public:
    SecretValue() = default;
    explicit SecretValue(std::string value) : value_(std::move(value)) {}
    const std::string& reveal() const { return value_; }
    bool empty() const { return value_.empty(); }

private:
    std::string value_;
};

// A further certificate of a TLS listener, for the names a client asks for by SNI:
// exact names or "*.example.com" (one label).
struct SniCertificate {
    std::string cert_file;
    std::string key_file;
    std::string ocsp_response_file;  // DER, stapled when a client asks; empty: none
    std::vector<std::string> server_names;  // lower case
};

struct TlsSettings {
    std::string cert_file;  // the default: no SNI, or a name no other certificate has
    std::string key_file;
    std::string ocsp_response_file;  // for cert_file: DER, stapled when a client asks; empty: none
    std::vector<SniCertificate> certificates;
    std::string min_version = "1.2";  // "1.2" or "1.3"
    // OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are fixed by OpenSSL).
    std::string ciphers =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    millis handshake_timeout{10000};
    // Session-ticket keys (48 or 80 bytes each, as nginx's ssl_session_ticket_key): the
    // first encrypts new tickets, each decrypts. Shared by replicas, resumption works
    // across them; empty: OpenSSL's own key, per process and per reload.
    std::vector<std::string> session_ticket_key_files;
    // Strict-Transport-Security on every answer of the listener; 0: none.
    std::int64_t hsts_max_age_s = 0;
    bool hsts_include_subdomains = false;
};

// Where a request's client address comes from when its peer is a trusted proxy.
enum class ClientIpHeader { x_forwarded_for, forwarded };

struct Listener {
    std::string name;
    std::string address = "0.0.0.0";
    std::uint16_t port = 0;  // 0: the OS picks one (tests)
    std::optional<TlsSettings> tls;
    bool admin = false;
    // Every connection starts with a PROXY protocol header (v1 or v2) naming the client;
    // one without a valid header within the timeout is closed.
    bool proxy_protocol = false;
    millis proxy_protocol_timeout{3000};
    // Peers whose X-Forwarded-For (or Forwarded) chain is believed; empty: nobody's.
    std::vector<IpNetwork> trusted_proxies;
    ClientIpHeader client_ip_header = ClientIpHeader::x_forwarded_for;
};

// Header names with an underscore: Content_Length or X_Forwarded_For may be read as
// Content-Length or X-Forwarded-For by an upstream that folds "_" into "-" (CGI, many
// frameworks). nginx drops them by default (underscores_in_headers off).
enum class UnderscoreHeaders { drop, pass, refuse };

struct Limits {
    std::size_t header_bytes = 16384;
    std::uint64_t body_bytes = 1048576;
    millis header_timeout{10000};
    millis idle_timeout{60000};
    UnderscoreHeaders underscores_in_headers = UnderscoreHeaders::drop;
    bool allow_trace = false;  // TRACE echoes the request, cookies included: 405 unless allowed
    // A request body with a Content-Length up to this is read whole before an upstream
    // connection is taken (nginx's proxy_request_buffering): a slow client never holds a
    // pooled connection. 0: every body streams. Larger and chunked bodies stream.
    std::uint64_t request_buffering_bytes = 65536;
    // The whole of a body read by the gateway (buffered, or for a handler) must arrive
    // within this: 408 after it.
    millis body_timeout{10000};
};

struct UpstreamServer {
    std::string url;  // as written in the config, e.g. "https://api.example:8443"
    bool tls = false;
    std::string host;  // host name or IP literal, without brackets
    std::uint16_t port = 0;
};

struct Upstream {
    std::string name;
    std::vector<UpstreamServer> servers;
    std::size_t pool_size = 64;  // idle keep-alive connections kept per worker
    millis connect_timeout{3000};
    millis response_timeout{30000};  // until the response header, and between body reads
    millis idle_timeout{60000};      // a pooled connection unused this long is closed
    millis cooldown{5000};           // a server that refused a connection is skipped this long
    std::string ca_file;             // empty: the system trust store
    bool verify = true;
};

// A header value: a literal, or the value of a named secret.
struct HeaderValue {
    std::string literal;
    std::string secret;  // name in Config::secrets; when set, `literal` is unused
};

struct HeaderRules {
    std::vector<std::pair<std::string, HeaderValue>> set;  // header name -> value
    std::vector<std::string> remove;                      // header names
};

// WebSocket upgrades on a proxied route: the tunnel closes after `idle_timeout` without
// a byte in either direction (never infinite); an `Origin` outside a non-empty
// `allowed_origins` is refused with 403.
struct WebSocketSettings {
    millis idle_timeout{60000};
    std::vector<std::string> allowed_origins;  // "https://portal.example"; empty: any origin
};

struct RouteMatch {
    std::string path;  // exact path, or the prefix when `prefix` is true
    bool prefix = false;
    std::string host;                  // empty: any host; compared case-insensitively, no port
    std::vector<std::string> methods;  // upper case; empty: any method
};

// A token bucket on a route: `burst` requests at once, refilled at `per_second`; over
// it, 429. Per client address, or one bucket for the whole route.
struct RateLimit {
    enum class Key { client_ip, route } per = Key::client_ip;
    double per_second = 1;
    double burst = 1;
};

struct Route {
    std::string name;  // from the config, or "routes[i]"
    RouteMatch match;
    std::string upstream;  // name in Config::upstreams, may be empty when `handler` is set
    std::string handler;   // name in the handler registry, may be empty
    HeaderRules request_headers;
    HeaderRules response_headers;
    WebSocketSettings websocket;
    std::vector<RateLimit> rate_limits;  // every one must have a token
};

// SIGTERM: /readyz turns 503 at once; the gateway keeps serving for `drain_delay` so a
// load balancer notices, then stops accepting and gives in-flight requests up to
// `drain_timeout` before it exits.
struct Lifecycle {
    millis drain_delay{5000};
    millis drain_timeout{30000};
};

struct AccessLog {
    std::string path;  // empty: off; "stdout"; or a file, reopened on SIGUSR1
};

// Where modules keep the state they share (gateway/state/shared_state.hpp): this process
// (memory), this machine (an SQLite file), or every replica (Redis).
struct RedisSettings {
    struct Server {
        std::string host;
        std::uint16_t port = 6379;
        bool tls = false;
        int database = 0;
        std::string display;  // "redis://host:port/db": for logs, never with a password
    };
    std::vector<Server> servers;  // tried in order
    std::string username;         // ACL user; empty: the default user
    std::string password_secret;  // a name in Config::secrets; empty: no AUTH
    std::string key_prefix = "tg:";
    std::string ca_file;  // rediss://: the CA to verify the server with; empty: the system's
    millis connect_timeout{1000};
    millis command_timeout{500};
    // Sentinel: when `sentinels` is not empty, the master named `master_name` is asked
    // of them (in order) and `servers` is not used.
    std::vector<Server> sentinels;
    std::string master_name;
};

struct SharedStateSettings {
    enum class Backend { memory, sqlite, redis } backend = Backend::memory;
    std::string sqlite_path;  // resolved against the config file's directory
    RedisSettings redis;
};

// How accepted connections are spread over the workers: `exact` hands a connection to
// the worker serving the fewest; `kernel` keeps the SO_REUSEPORT hash's choice.
enum class ConnectionBalance { exact, kernel };

struct Config {
    std::string source_path;
    unsigned workers = 0;  // resolved: never 0 after validation
    ConnectionBalance connection_balance = ConnectionBalance::exact;
    bool pin_workers = false;  // "worker_cpu_affinity": "auto": worker i on the i-th allowed CPU
    std::vector<Listener> listeners;
    Limits limits;
    std::map<std::string, SecretValue> secrets;
    std::map<std::string, Upstream> upstreams;
    std::vector<Route> routes;
    Lifecycle lifecycle;
    AccessLog access_log;
    SharedStateSettings shared_state;
    // The whole document as parsed, for handler modules that own top-level sections
    // (e.g. "sixmm", "dxtrade"); they validate their own section.
    boost::json::object document;
};

}  // namespace tg::config
