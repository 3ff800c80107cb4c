// The "dxtrade" config section (see shared/reference/dxtrade-sso.md, sections 2-3 and 7:
// the dxWeb paths, methods and encodings are not published, so they are configurable).
#pragma once

#include "gateway/config/loader.hpp"
#include "proto_handlers/dxtrade/dxweb_requests.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace tg::dxtrade {

enum class AuthMode { basic, session };
enum class LogoutBy { token, login };
enum class SessionStoreKind { sqlite, memory, shared };

struct Settings {
    std::string upstream;                    // the dxWeb API upstream
    std::string base_path = "/dxweb/rest";
    struct Auth {
        AuthMode mode = AuthMode::session;   // the spec's recommendation
        std::string username;
        std::string domain;
        std::string password;                // the name of a secret
    } auth;
    Endpoints endpoints;
    struct Token {
        std::string answer_field;            // "" = the body is the raw token
        bool send_base64 = true;
    } token;
    std::string terminal_login_url;          // absolute http(s) URL of form-with-token
    std::string target = "_self";
    struct Launch {
        std::string login_url;               // "" = answer a 401 page instead of redirecting
        std::vector<std::string> allowed_origins;  // other origins that may start a launch
        int retry_after_seconds = 5;         // Retry-After of the 503 page
        std::size_t max_sessions_per_user = 8;  // more launches log out the user's oldest session
    } launch;
    struct Keepalive {
        std::chrono::milliseconds interval{60000};
        double jitter = 0.1;                 // 0 .. 0.5
        std::size_t max_in_flight = 64;
        std::chrono::milliseconds max_age{12 * 60 * 60 * 1000};
        // How dxWeb answers a ping for a token the browser has not posted to the terminal
        // yet is not published: a "gone" answer within this time of the launch is taken
        // as a failure to retry, not as the session's end.
        std::chrono::milliseconds first_use_grace{120000};
    } keepalive;
    struct Logout {
        LogoutBy by = LogoutBy::token;
        std::chrono::milliseconds wait{3000};           // how long the portal logout waits for dxWeb
        std::chrono::milliseconds retry_for{60 * 60 * 1000};  // queued logouts are retried this long
        // With the shared store: how long a replica's claim on a session's dxWeb logout
        // lasts (renewed at each retry); another replica takes a queued logout over after it.
        std::chrono::milliseconds claim_hold{120000};
    } logout;
    struct SessionStore {
        SessionStoreKind kind = SessionStoreKind::sqlite;
        std::string path = "var/dxtrade-sessions.db";  // relative to the config file's directory
        std::string key;                     // secret name; required for sqlite and shared
        // shared: the sessions sit in the gateway's shared state and the replicas share the
        // pings by shard leases (README §5, "Several replicas").
        unsigned shards = 64;
        std::chrono::milliseconds lease_ttl{15000};
        std::string replica_name;            // "" = host name, process id and a random suffix
    } session_store;
};

inline constexpr const char* section_name = "dxtrade";

void validate_section(const boost::json::value& section, const std::string& path, const config::Config& engine,
                      std::vector<config::Problem>& problems);
Settings read_settings(const config::Config& config);

}  // namespace tg::dxtrade
