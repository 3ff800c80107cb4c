// dxWeb API client over the pooled outbound client: generateToken, ping and the two
// logouts, authenticated with HTTP Basic or a cached DXAPI session token (POST /login,
// renewed at 80% of its `timeout`, and re-obtained once when a call gets 401).
// Tokens and the password are never logged; each call logs its endpoint and status.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "gateway/proxy/upstream_pool.hpp"
#include "proto_handlers/dxtrade/dxweb_requests.hpp"
#include "proto_handlers/dxtrade/settings.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <cstdint>
#include <string>
#include <string_view>

namespace tg::dxtrade {

struct TokenResult {
    enum class Kind {
        ok,
        unavailable,  // unreachable, 5xx, broken connection, unreadable answer, or the API login failed to answer
        timeout,      // sent, no answer within the upstream's response timeout
        rejected,     // 4xx, including the broker's credentials being refused
    };
    Kind kind = Kind::unavailable;
    std::string token;  // as dxWeb returned it (not Base64-encoded here); only with ok
};

struct PingResult {
    enum class Kind {
        ok,
        gone,       // 404, or 401 with freshly valid broker credentials: the trader session ended
        transient,  // connect error, 5xx, timeout, API login failing: try again later
    };
    Kind kind = Kind::transient;
};

struct LogoutResult {
    // ok also covers 404 ("no such live session": nothing left to end).
    enum class Kind { ok, unavailable, timeout, rejected };
    Kind kind = Kind::unavailable;
    bool ok() const { return kind == Kind::ok; }
};

class DxWebClient {
public:
    using Clock = std::chrono::steady_clock;

    // `pool` must outlive the client; both live on one executor (the keepalive thread's).
    DxWebClient(Settings settings, proxy::UpstreamPool& pool, std::string password);

    asio::awaitable<TokenResult> generate_token(std::string login, std::string domain, std::string request_id);
    asio::awaitable<PingResult> ping(std::string login, std::string domain, std::string token);
    asio::awaitable<LogoutResult> logout_by_token(std::string login, std::string domain, std::string token);
    asio::awaitable<LogoutResult> logout_by_login(std::string login, std::string domain);

private:
    enum class Failure { none, unavailable, timeout, auth_rejected };
    struct Exchange {
        Failure failure = Failure::none;
        unsigned status = 0;
        std::string body;
        std::string content_type;
        bool fresh_auth = false;  // the answer came with credentials just (re)validated
    };
    struct AuthHeader {
        Failure failure = Failure::none;
        std::string value;
        bool fresh = false;
    };

    asio::awaitable<Exchange> exchange(const Endpoint& endpoint, Params params, bool safe_to_repeat,
                                       std::string_view request_id);
    asio::awaitable<AuthHeader> authorization(bool force_login);
    asio::awaitable<Failure> login();
    static LogoutResult logout_result(const Exchange& answer);

    Settings settings_;
    proxy::UpstreamPool& pool_;
    std::string password_;
    std::string basic_;  // basic mode: the precomputed header ("" if the credentials cannot form one)

    // session mode
    std::string session_token_;
    Clock::time_point renew_at_{};
    // While a /login is under way, the other calls wait for it instead of logging in too.
    std::shared_ptr<asio::steady_timer> login_done_;
    Failure last_login_failure_ = Failure::none;
};

}  // namespace tg::dxtrade
