#include "proto_handlers/dxtrade/dxweb_client.hpp"

#include "gateway/client/outbound.hpp"
#include "gateway/core/log.hpp"

#include <boost/asio/this_coro.hpp>

#include <stdexcept>
#include <utility>

namespace tg::dxtrade {
namespace {

constexpr std::string_view user_agent = "trading-gateway-dxweb";
constexpr std::string_view login_name = "/login";
constexpr std::string_view request_id_header = "X-Request-ID";
constexpr std::string_view login_param = "login";
constexpr std::string_view domain_param = "domain";
constexpr std::string_view token_param = "token";

using Outcome = client::CallResult::Outcome;

}  // namespace

DxWebClient::DxWebClient(Settings settings, proxy::UpstreamPool& pool, std::string password)
    : settings_(std::move(settings)), pool_(pool), password_(std::move(password)) {
    if (settings_.auth.mode == AuthMode::basic) {
        try {
            basic_ = basic_authorization(settings_.auth.username, settings_.auth.domain, password_);
        } catch (const std::invalid_argument&) {
            log::error("dxweb: the API username or domain cannot be sent with Basic auth (holds ':')");
        }
    }
}

asio::awaitable<DxWebClient::Failure> DxWebClient::login() {
    Request request;
    try {
        request = build_login_request(settings_.base_path, settings_.auth.username, settings_.auth.domain, password_);
    } catch (const std::exception&) {
        log::error("dxweb: cannot build the ", login_name, " request (bad base_path?)");
        co_return Failure::auth_rejected;
    }
    request.set(http::field::user_agent, user_agent);
    const client::CallOptions options{.safe_to_repeat = true};
    const auto answer = co_await client::call(pool_, std::move(request), options);
    if (!answer.ok()) {
        const bool timed_out = answer.outcome == Outcome::timeout;
        log::warn("dxweb: ", login_name, " failed: ", timed_out ? "no answer in time" : "unreachable");
        co_return timed_out ? Failure::timeout : Failure::unavailable;
    }
    const auto status = answer.response.result_int();
    if (status != 200) {
        log::warn("dxweb: ", login_name, " http=", status);
        co_return status >= 400 && status < 500 ? Failure::auth_rejected : Failure::unavailable;
    }
    auto parsed = read_login_answer(answer.response.body());
    if (!parsed) {
        log::warn("dxweb: ", login_name, " http=200 with an unreadable answer");
        co_return Failure::unavailable;
    }
    if (parsed->session_token.find_first_of(" \t\r\n") != std::string::npos) {
        log::warn("dxweb: ", login_name, " http=200 with an unusable session token");
        co_return Failure::unavailable;
    }
    log::info("dxweb: ", login_name, " http=200 (API session, timeout ", parsed->timeout_ms, " ms)");
    session_token_ = std::move(parsed->session_token);
    renew_at_ = Clock::now() + std::chrono::milliseconds(parsed->timeout_ms * 8 / 10);
    co_return Failure::none;
}

asio::awaitable<DxWebClient::AuthHeader> DxWebClient::authorization(bool force_login) {
    AuthHeader header;
    if (settings_.auth.mode == AuthMode::basic) {
        if (basic_.empty()) header.failure = Failure::auth_rejected;
        header.value = basic_;
        header.fresh = true;  // Basic credentials are checked afresh on every call
        co_return header;
    }
    const bool need_login = force_login || session_token_.empty() || Clock::now() >= renew_at_;
    if (need_login && login_done_) {
        // Another call is logging in: share its outcome.
        const auto done = login_done_;
        co_await done->async_wait(use_tuple);
        if (session_token_.empty()) {
            header.failure = last_login_failure_ == Failure::none ? Failure::unavailable : last_login_failure_;
            co_return header;
        }
        header.fresh = true;
    } else if (need_login) {
        session_token_.clear();
        const auto executor = co_await asio::this_coro::executor;
        login_done_ = std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
        Failure failure = Failure::unavailable;
        try {
            failure = co_await login();
        } catch (...) {
            last_login_failure_ = Failure::unavailable;
            login_done_->cancel();
            login_done_.reset();
            throw;
        }
        last_login_failure_ = failure;
        login_done_->cancel();
        login_done_.reset();
        header.failure = failure;
        if (failure != Failure::none) co_return header;
        header.fresh = true;
    }
    try {
        header.value = dxapi_authorization(session_token_);
    } catch (const std::invalid_argument&) {
        session_token_.clear();
        header.failure = Failure::unavailable;
    }
    co_return header;
}

asio::awaitable<DxWebClient::Exchange> DxWebClient::exchange(const Endpoint& endpoint, Params params,
                                                             bool safe_to_repeat, std::string_view request_id) {
    Exchange result;
    Request prototype;
    try {
        prototype = build_request(endpoint, params, settings_.base_path);
    } catch (const std::exception&) {
        log::error("dxweb: cannot build the ", endpoint.path, " request (bad path or parameters)");
        result.failure = Failure::unavailable;
        co_return result;
    }
    prototype.set(http::field::user_agent, user_agent);
    if (!request_id.empty()) prototype.set(request_id_header, request_id);

    const client::CallOptions options{.safe_to_repeat = safe_to_repeat};
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool force_login = attempt > 0;
        auto header = co_await authorization(force_login);
        if (header.failure != Failure::none) {
            result.failure = header.failure;
            co_return result;
        }
        auto request = prototype;
        request.set(http::field::authorization, header.value);
        auto answer = co_await client::call(pool_, std::move(request), options);
        if (!answer.ok()) {
            const bool timed_out = answer.outcome == Outcome::timeout;
            log::warn("dxweb: ", endpoint.path, " failed: ", timed_out ? "no answer in time" : "unreachable");
            result.failure = timed_out ? Failure::timeout : Failure::unavailable;
            co_return result;
        }
        result.status = answer.response.result_int();
        result.body = std::move(answer.response.body());
        result.content_type = std::string(answer.response[http::field::content_type]);
        result.fresh_auth = header.fresh;
        // A successful ping is routine (thousands a second at scale): debug only.
        if (&endpoint == &settings_.endpoints.ping && result.status / 100 == 2) {
            log::debug("dxweb: ", endpoint.path, " http=", result.status);
        } else {
            log::info("dxweb: ", endpoint.path, " http=", result.status);
        }
        // A 401 with a cached DXAPI token: the broker's API session may have ended
        // early. Log in again once and repeat (the server refused the call, so it was
        // not carried out).
        const bool retry = result.status == 401 && settings_.auth.mode == AuthMode::session && !header.fresh;
        if (!retry) co_return result;
        session_token_.clear();
    }
    co_return result;
}

asio::awaitable<TokenResult> DxWebClient::generate_token(std::string login, std::string domain,
                                                         std::string request_id) {
    TokenResult result;
    Params params{{std::string(login_param), std::move(login)}, {std::string(domain_param), std::move(domain)}};
    // Opens a trader session: never resent once it may have reached dxWeb.
    const auto answer = co_await exchange(settings_.endpoints.generate_token, std::move(params), false, request_id);
    switch (answer.failure) {
    case Failure::timeout: result.kind = TokenResult::Kind::timeout; co_return result;
    case Failure::unavailable: result.kind = TokenResult::Kind::unavailable; co_return result;
    case Failure::auth_rejected: result.kind = TokenResult::Kind::rejected; co_return result;
    case Failure::none: break;
    }
    if (answer.status >= 500) {
        result.kind = TokenResult::Kind::unavailable;
    } else if (answer.status >= 400) {
        result.kind = TokenResult::Kind::rejected;
    } else if (answer.status != 200) {
        result.kind = TokenResult::Kind::unavailable;
    } else if (auto token = read_token_answer(answer.body, answer.content_type, settings_.token.answer_field)) {
        result.kind = TokenResult::Kind::ok;
        result.token = std::move(*token);
    } else {
        log::warn("dxweb: ", settings_.endpoints.generate_token.path, " http=200 without a readable token");
        result.kind = TokenResult::Kind::unavailable;
    }
    co_return result;
}

asio::awaitable<PingResult> DxWebClient::ping(std::string login, std::string domain, std::string token) {
    PingResult result;
    Params params{{std::string(login_param), std::move(login)},
                  {std::string(domain_param), std::move(domain)},
                  {std::string(token_param), std::move(token)}};
    const auto answer = co_await exchange(settings_.endpoints.ping, std::move(params), true, {});
    if (answer.failure != Failure::none) co_return result;  // transient
    if (answer.status >= 200 && answer.status < 300) {
        result.kind = PingResult::Kind::ok;
    } else if (answer.status == 404 || (answer.status == 401 && answer.fresh_auth)) {
        result.kind = PingResult::Kind::gone;
    }
    co_return result;
}

LogoutResult DxWebClient::logout_result(const Exchange& answer) {
    LogoutResult result;
    const auto status = answer.status;
    if (answer.failure == Failure::timeout) result.kind = LogoutResult::Kind::timeout;
    else if (answer.failure == Failure::unavailable) result.kind = LogoutResult::Kind::unavailable;
    else if (answer.failure == Failure::auth_rejected) result.kind = LogoutResult::Kind::rejected;
    else if ((status >= 200 && status < 300) || status == 404) result.kind = LogoutResult::Kind::ok;
    else if (status >= 400 && status < 500) result.kind = LogoutResult::Kind::rejected;
    else result.kind = LogoutResult::Kind::unavailable;
    return result;
}

asio::awaitable<LogoutResult> DxWebClient::logout_by_token(std::string login, std::string domain,
                                                           std::string token) {
    Params params{{std::string(login_param), std::move(login)},
                  {std::string(domain_param), std::move(domain)},
                  {std::string(token_param), std::move(token)}};
    const auto answer = co_await exchange(settings_.endpoints.logout_by_token, std::move(params), true, {});
    co_return logout_result(answer);
}

asio::awaitable<LogoutResult> DxWebClient::logout_by_login(std::string login, std::string domain) {
    Params params{{std::string(login_param), std::move(login)}, {std::string(domain_param), std::move(domain)}};
    const auto answer = co_await exchange(settings_.endpoints.logout_by_login, std::move(params), true, {});
    co_return logout_result(answer);
}

}  // namespace tg::dxtrade
