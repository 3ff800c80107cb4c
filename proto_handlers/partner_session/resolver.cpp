#include "proto_handlers/partner_session/resolver.hpp"

#include "gateway/client/outbound.hpp"
#include "gateway/core/digest.hpp"
#include "gateway/core/http_text.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/time_format.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>

#include <chrono>

namespace tg::partner_session {
namespace {

const boost::json::value* claim(const boost::json::value& answer, const std::string& pointer) {
    if (pointer.empty()) return nullptr;
    boost::system::error_code ec;
    return answer.find_pointer(pointer, ec);
}

std::string string_claim(const boost::json::value& answer, const std::string& pointer) {
    const auto* value = claim(answer, pointer);
    if (!value) return {};
    if (value->is_string()) return std::string(value->get_string());
    if (value->is_int64()) return std::to_string(value->get_int64());
    if (value->is_uint64()) return std::to_string(value->get_uint64());
    return {};
}

}  // namespace

std::string session_cookies(const http::fields& request, const std::vector<std::string>& names) {
    std::string cookies;
    for (const auto& wanted : names) {
        const auto [first, last] = request.equal_range(http::field::cookie);
        for (auto field = first; field != last; ++field) {
            std::string_view header(field->value().data(), field->value().size());
            while (!header.empty()) {
                const auto semicolon = header.find(';');
                const auto pair = trim_ows(header.substr(0, semicolon));
                header.remove_prefix(semicolon == std::string_view::npos ? header.size() : semicolon + 1);
                const auto equals = pair.find('=');
                if (equals == std::string_view::npos || trim_ows(pair.substr(0, equals)) != wanted) continue;
                if (!cookies.empty()) cookies += "; ";
                cookies += pair;
            }
        }
    }
    return cookies;
}

Identity read_identity(const boost::json::value& answer, const ClaimPointers& pointers) {
    Identity identity;
    identity.user_id = string_claim(answer, pointers.user_id);
    identity.agent_user_id = string_claim(answer, pointers.agent_user_id);
    identity.dx_login = string_claim(answer, pointers.dx_login);
    identity.dx_domain = string_claim(answer, pointers.dx_domain);
    if (const auto* can_trade = claim(answer, pointers.can_trade); can_trade && can_trade->is_bool()) {
        identity.can_trade = can_trade->get_bool();
    }
    if (const auto* expires = claim(answer, pointers.expires_at); expires && expires->is_number()) {
        // Seconds may come fractional (Date.now() / 1000): whole seconds are enough.
        identity.expires_at = static_cast<std::int64_t>(expires->to_number<double>());
    }
    return identity;
}

namespace {
// The shared state's key for a signed-out session: the hash of its cookies.
std::string signed_out_key(const std::string& cookie_hash) { return "partner:signed-out:" + cookie_hash; }
}  // namespace

Resolver::Resolver(Settings settings, proxy::UpstreamPool& portal, SessionDirectory& directory,
                   state::SharedState& state)
    : settings_(std::move(settings)), portal_(portal), directory_(directory), state_(state) {}

Resolver Resolver::for_route(const handlers::HandlerSetup& setup, SessionDirectory& directory) {
    auto settings = read_settings(setup.config);
    auto& portal = handlers::upstream_pool(setup, settings.upstream);
    return Resolver(std::move(settings), portal, directory, handlers::shared_state(setup));
}

asio::awaitable<bool> Resolver::sign_out(const http::fields& request) {
    const auto cookies = session_cookies(request, settings_.cookies);
    if (cookies.empty()) co_return true;
    // Long enough to outlive every answer that may be cached elsewhere: one looked up just
    // before the sign-out may arrive a connect and a response timeout later, then be kept
    // for cache_ttl.
    const auto& portal = portal_.upstream();
    const auto hold = std::max<std::chrono::milliseconds>(
        settings_.cache_ttl + portal.connect_timeout + portal.response_timeout, std::chrono::seconds(10));
    const auto key = sha256_hex(cookies);
    directory_.mark_signed_out(key, std::chrono::steady_clock::now() + hold);
    const auto recorded = co_await state_.put(signed_out_key(key), "1", hold);
    co_return static_cast<bool>(recorded);
}

asio::awaitable<Lookup> Resolver::resolve(const http::fields& request, std::string_view request_id) {
    const auto cookies = session_cookies(request, settings_.cookies);
    if (cookies.empty()) co_return Lookup{Lookup::Kind::no_session, {}};
    const auto key = sha256_hex(cookies);
    // Signed out on another replica: its cached answer here must not outlive that.
    // (A failing shared state fails the lookup: never an identity that may be stale.)
    const auto signed_out = co_await state_.get(signed_out_key(key));
    if (!signed_out) co_return Lookup{Lookup::Kind::state_unavailable, {}};
    if (*signed_out) co_return Lookup{Lookup::Kind::no_session, {}};
    const auto fresh = directory_.cached(key);
    if (fresh) co_return *fresh;

    // A follower waits on a timer of its own executor; the leader, maybe on another
    // worker thread, wakes it by posting a cancel there. The deadline is a backstop.
    const auto executor = co_await asio::this_coro::executor;
    const auto& upstream = portal_.upstream();
    auto woken = std::make_shared<asio::steady_timer>(
        executor, std::chrono::steady_clock::now() + 2 * (upstream.connect_timeout + upstream.response_timeout));
    const auto flight = directory_.join_or_lead(key, [woken, executor] {
        asio::post(executor, [woken] { woken->cancel(); });
    });
    if (flight) {
        co_await woken->async_wait(use_tuple);
        const auto landed = directory_.result_of(*flight);
        if (landed) co_return *landed;
        co_return Lookup{Lookup::Kind::unavailable, {}};
    }

    Lookup result{Lookup::Kind::unavailable, {}};  // what followers get if the lookup throws
    // However the lookup ends, the flight lands and its followers are woken.
    struct Land {
        Resolver& resolver;
        const std::string& key;
        const Lookup& result;
        ~Land() { resolver.directory_.land(key, result, resolver.fresh_until(result)); }
    } land{*this, key, result};
    result = co_await ask_portal(cookies, request_id);
    // A copy: `co_return result` would move from it before `land` caches it.
    co_return Lookup(result);
}

std::chrono::steady_clock::time_point Resolver::fresh_until(const Lookup& result) const {
    const auto now = std::chrono::steady_clock::now();
    auto until = now + settings_.cache_ttl;
    if (result.identity.expires_at) {
        until = std::min(until, now + std::chrono::seconds(*result.identity.expires_at - unix_seconds_now()));
    }
    return until;
}

asio::awaitable<Lookup> Resolver::ask_portal(const std::string& cookies, std::string_view request_id) {
    http::request<http::string_body> request{http::verb::get, settings_.path, 11};
    request.set(http::field::cookie, cookies);
    request.set(http::field::accept, "application/json");
    request.set("X-Request-Id", request_id);
    const auto answer = co_await client::call(portal_, std::move(request), {.safe_to_repeat = true});
    if (!answer.ok()) {
        log::warn("request ", request_id, ": partner session lookup failed: the portal is unreachable or slow");
        co_return Lookup{Lookup::Kind::unavailable, {}};
    }
    const auto status = answer.response.result_int();
    if (status == 401 || status == 403) co_return Lookup{Lookup::Kind::no_session, {}};
    if (status != 200) {
        log::warn("request ", request_id, ": partner session lookup answered ", status);
        co_return Lookup{Lookup::Kind::unavailable, {}};
    }
    boost::system::error_code ec;
    const auto json = boost::json::parse(answer.response.body(), ec);
    if (ec || !json.is_object()) {
        log::warn("request ", request_id, ": partner session lookup answered something other than a JSON object");
        co_return Lookup{Lookup::Kind::unavailable, {}};
    }
    Lookup result{Lookup::Kind::ok, read_identity(json, settings_.claims)};
    if (result.identity.user_id.empty()) co_return Lookup{Lookup::Kind::no_session, {}};
    if (result.identity.expires_at && *result.identity.expires_at <= unix_seconds_now()) {
        co_return Lookup{Lookup::Kind::no_session, {}};
    }
    co_return result;
}

}  // namespace tg::partner_session
