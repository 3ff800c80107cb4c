#include "proto_handlers/sixmm/token_endpoints.hpp"

#include "gateway/state/shared_state.hpp"

#include "proto_handlers/partner_session/resolver.hpp"
#include "proto_handlers/sixmm/agent_api.hpp"
#include "proto_handlers/sixmm/errors.hpp"
#include "proto_handlers/sixmm/request_fields.hpp"
#include "proto_handlers/sixmm/request_guard.hpp"
#include "proto_handlers/sixmm/settings.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <stdexcept>

namespace tg::sixmm {
namespace {

namespace json = boost::json;

// Agent API paths. (Named constants: GCC 12 rejects a string literal passed straight
// into a coroutine call, "array used as initializer".)
constexpr std::string_view bind_path = "/v1/agent/bind";
constexpr std::string_view embed_token_path = "/v1/agent/create-embed-token";
constexpr std::string_view entry_url_path = "/v1/agent/create-entry-url";

// The flow both endpoints share; each adds what it asks 6MM for.
class TokenEndpoint : public handlers::Handler {
public:
    TokenEndpoint(const handlers::HandlerSetup& setup, std::shared_ptr<SharedState> shared)
        : settings_(read_settings(setup.config)),
          shared_(std::move(shared)),
          state_(handlers::shared_state(setup)),
          resolver_(partner_session::Resolver::for_route(setup, *shared_->sessions)),
          api_(handlers::upstream_pool(setup, settings_.upstream), settings_.agent_code,
               setup.config.secrets.at(settings_.api_secret).reveal()) {}

    asio::awaitable<handlers::Response> handle(const handlers::Request& request) final {
        auto response = co_await respond(request);
        response.set(http::field::cache_control, "no-store");
        add_cors_headers(request, settings_.allowed_origins, response);
        co_return response;
    }

protected:
    virtual asio::awaitable<handlers::Response> serve(const handlers::Request& request,
                                                      const partner_session::Identity& user) = 0;

    // 200 with a JSON body.
    static handlers::Response answer(const json::object& body) {
        return make_json_response(http::status::ok, json::serialize(body));
    }

    handlers::Response upstream_failure(AgentResult::Kind kind, std::string_view request_id) const {
        switch (kind) {
            case AgentResult::Kind::timeout: return make_error_response(errors::upstream_timeout, request_id);
            case AgentResult::Kind::rejected: return make_error_response(errors::upstream_rejected, request_id);
            default: {
                auto response = make_error_response(errors::upstream_unavailable, request_id);
                response.set(http::field::retry_after, std::to_string(settings_.retry_after_seconds));
                return response;
            }
        }
    }

    // A "user not bound" rejection binds the user once and asks again, as the SDK README advises.
    asio::awaitable<AgentResult> call_binding_if_needed(std::string_view path, const json::object& fields,
                                                        const partner_session::Identity& user,
                                                        std::string_view request_id) {
        auto result = co_await api_.call(path, fields, request_id);
        const auto& codes = settings_.not_bound_codes;
        const bool not_bound = result.kind == AgentResult::Kind::rejected &&
                               std::find(codes.begin(), codes.end(), result.code) != codes.end();
        if (!not_bound || !settings_.auto_bind) co_return result;
        json::object bind_fields{{"agentUserId", user.agent_user_id}};
        const auto bound = co_await api_.call(bind_path, std::move(bind_fields), request_id);
        if (bound.kind != AgentResult::Kind::ok) co_return bound;
        co_return co_await api_.call(path, fields, request_id);
    }

    Settings settings_;
    std::shared_ptr<SharedState> shared_;
    state::SharedState& state_;

private:
    asio::awaitable<handlers::Response> respond(const handlers::Request& request) {
        if (auto refused = guard_request(request, settings_.allowed_origins)) co_return std::move(*refused);
        if (request.message.body().size() > settings_.request_body_limit) {
            co_return make_invalid_request("body: larger than " + std::to_string(settings_.request_body_limit) + " bytes",
                                      request.request_id);
        }
        const auto session = co_await resolver_.resolve(request.message, request.request_id);
        if (session.kind == partner_session::Lookup::Kind::no_session) {
            co_return make_error_response(errors::session_expired, request.request_id);
        }
        if (session.kind == partner_session::Lookup::Kind::state_unavailable) {
            co_return make_state_unavailable(request.request_id);
        }
        if (session.kind == partner_session::Lookup::Kind::unavailable) {
            co_return upstream_failure(AgentResult::Kind::unavailable, request.request_id);
        }
        if (!session.identity.can_trade || session.identity.agent_user_id.empty()) {
            co_return make_error_response(errors::trading_not_allowed, request.request_id);
        }
        co_return co_await serve(request, session.identity);
    }

    partner_session::Resolver resolver_;
    AgentApi api_;
};

class EmbedTokenHandler final : public TokenEndpoint {
public:
    using TokenEndpoint::TokenEndpoint;

private:
    asio::awaitable<handlers::Response> serve(const handlers::Request& request,
                                              const partner_session::Identity& user) override {
        auto parsed = parse_embed_token_request(request.message.body());
        if (auto* problem = std::get_if<std::string>(&parsed)) co_return make_invalid_request(*problem, request.request_id);
        const auto& fields = std::get<EmbedTokenRequest>(parsed);
        // Each channelId belongs to the partner user who used it first, for the TTL, on every
        // replica. (Keyed by the id as the widget sends it: not a secret.)
        const auto bound = co_await state_.claim("sixmm:channel:" + fields.channel_id, user.user_id,
                                                 settings_.channel_binding_ttl);
        if (!bound) co_return make_state_unavailable(request.request_id);
        if (!*bound) co_return make_error_response(errors::channel_mismatch, request.request_id);
        json::object call{{"agentUserId", user.agent_user_id}, {"channelId", fields.channel_id}};
        if (!fields.symbol.empty()) call["symbol"] = fields.symbol;
        const auto result =
            co_await call_binding_if_needed(embed_token_path, call, user, request.request_id);
        if (result.kind != AgentResult::Kind::ok) co_return upstream_failure(result.kind, request.request_id);
        const auto* token = result.fields.if_contains("embedToken");
        const auto* expire_at = result.fields.if_contains("expireAt");
        if (!token || !token->is_string() || token->get_string().empty() || !expire_at || !expire_at->is_number()) {
            co_return upstream_failure(AgentResult::Kind::rejected, request.request_id);
        }
        co_return answer({{"embedToken", *token}, {"expireAt", *expire_at}, {"channelId", fields.channel_id}});
    }
};

class EntryUrlHandler final : public TokenEndpoint {
public:
    using TokenEndpoint::TokenEndpoint;

private:
    asio::awaitable<handlers::Response> serve(const handlers::Request& request,
                                              const partner_session::Identity& user) override {
        auto parsed = parse_entry_url_request(request.message.body());
        if (auto* problem = std::get_if<std::string>(&parsed)) co_return make_invalid_request(*problem, request.request_id);
        const auto& fields = std::get<EntryUrlRequest>(parsed);
        json::object call{{"agentUserId", user.agent_user_id}};
        if (!fields.redirect_path.empty()) call["redirectPath"] = fields.redirect_path;
        if (!settings_.return_url.empty()) call["returnUrl"] = settings_.return_url;
        const auto result = co_await call_binding_if_needed(entry_url_path, call, user, request.request_id);
        if (result.kind != AgentResult::Kind::ok) co_return upstream_failure(result.kind, request.request_id);
        const auto* web_url = result.fields.if_contains("webUrl");
        const auto* expire_at = result.fields.if_contains("expireAt");
        if (!web_url || !web_url->is_string() || web_url->get_string().empty()) {
            co_return upstream_failure(AgentResult::Kind::rejected, request.request_id);
        }
        json::object body{{"webUrl", *web_url}};
        if (expire_at) body["expireAt"] = *expire_at;
        co_return answer(std::move(body));
    }
};

}  // namespace

std::unique_ptr<handlers::Handler> make_embed_token_handler(const handlers::HandlerSetup& setup,
                                                            std::shared_ptr<SharedState> shared) {
    return std::make_unique<EmbedTokenHandler>(setup, std::move(shared));
}

std::unique_ptr<handlers::Handler> make_entry_url_handler(const handlers::HandlerSetup& setup,
                                                          std::shared_ptr<SharedState> shared) {
    return std::make_unique<EntryUrlHandler>(setup, std::move(shared));
}

}  // namespace tg::sixmm
