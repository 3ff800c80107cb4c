#include "proto_handlers/sixmm/webhook.hpp"

#include "gateway/client/outbound.hpp"
#include "gateway/core/digest.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/time_format.hpp"
#include "gateway/state/shared_state.hpp"
#include "proto_handlers/sixmm/errors.hpp"
#include "proto_handlers/sixmm/settings.hpp"
#include "proto_handlers/sixmm/signing.hpp"
#include "proto_handlers/sixmm/webhook_verify.hpp"

#include <charconv>
#include <stdexcept>

namespace tg::sixmm {
namespace {

constexpr ErrorInfo bad_signature{http::status::unauthorized, "invalid_webhook",
                                  "the webhook's signature, timestamp or nonce was not accepted"};

// The shared state's key for a nonce: a hash, so a store dump shows no nonce.
std::string nonce_key(std::string_view nonce) { return "sixmm:webhook-nonce:" + sha256_hex(nonce); }

class WebhookHandler final : public handlers::Handler {
public:
    explicit WebhookHandler(const handlers::HandlerSetup& setup)
        : WebhookHandler(setup, read_settings(setup.config)) {}

    WebhookHandler(const handlers::HandlerSetup& setup, const Settings& settings)
        : secret_(setup.config.secrets.at(settings.api_secret).reveal()),
          portal_path_(settings.webhook_portal_path),
          state_(handlers::shared_state(setup)),
          portal_(setup.upstream(setup.route.upstream)) {
        if (!portal_) throw std::runtime_error("route " + setup.route.name + ": sixmm.webhook needs an upstream");
    }

    asio::awaitable<handlers::Response> handle(const handlers::Request& request) override {
        const auto& message = request.message;
        if (message.method() != http::verb::post) {
            co_return make_method_not_allowed("POST", request.request_id, errors::method_not_allowed);
        }
        if (const char* problem = verify(message)) {
            log::warn("request ", request.request_id, ": 6MM webhook refused: ", problem);
            co_return make_error_response(bad_signature, request.request_id);
        }
        // Signed and in time: its nonce may be delivered once, on any replica. While this
        // delivery is under way the nonce holds "pending:<request id>" for a short while;
        // once the portal took it, "delivered" for the rest of the acceptance window. A
        // pending mark left by a delivery that failed half-way (the shared state timed out
        // after it wrote the mark, say) runs out soon, so 6MM's next retry goes through.
        const auto key = nonce_key(message["X-Agent-Nonce"]);
        const auto attempt = "pending:" + std::string(request.request_id);
        const auto first_use = co_await state_.put_if_absent(key, attempt, delivery_hold());
        if (!first_use) {
            co_await state_.remove_if(key, attempt);  // in case the write happened: best effort
            co_return make_state_unavailable(request.request_id);
        }
        if (!*first_use) {
            const auto seen = co_await state_.get(key);
            if (!seen) co_return make_state_unavailable(request.request_id);
            // Gone meanwhile (a pending mark ran out): not a replay, but not ours to deliver now.
            if (seen->has_value() && **seen == "delivered") {
                log::warn("request ", request.request_id, ": 6MM webhook refused: nonce seen before");
                co_return make_error_response(bad_signature, request.request_id);
            }
            log::warn("request ", request.request_id, ": 6MM webhook: the same one is being delivered; retry later");
            co_return make_error_response(errors::delivery_in_progress, request.request_id);
        }
        const std::string target = portal_path_.empty() ? std::string(message.target()) : portal_path_;
        http::request<http::string_body> forward{http::verb::post, target, 11};
        if (message.count(http::field::content_type)) {
            forward.set(http::field::content_type, message[http::field::content_type]);
        }
        forward.set("X-Webhook-Verified", "6mm");
        forward.set("X-Agent-Timestamp", message["X-Agent-Timestamp"]);
        forward.set("X-Agent-Nonce", message["X-Agent-Nonce"]);
        forward.set("X-Request-Id", request.request_id);
        forward.body() = message.body();  // untouched
        auto answer = co_await client::call(*portal_, std::move(forward));
        if (answer.ok() && answer.response.result_int() / 100 == 2) {
            const auto kept = co_await state_.put(key, "delivered", 2 * webhook_acceptance_window);
            if (!kept) {
                log::error("request ", request.request_id, ": 6MM webhook delivered, but its nonce could not be "
                           "marked delivered; a replay is refused only while the pending mark lasts");
            }
        } else {
            co_await state_.remove_if(key, attempt);  // not taken by the portal: 6MM may deliver it again
        }
        if (!answer.ok()) {
            // Not 2xx, so 6MM delivers it again later.
            co_return make_error_response(answer.outcome == client::CallResult::Outcome::timeout ? errors::upstream_timeout
                                                                                             : errors::upstream_unavailable,
                                     request.request_id);
        }
        handlers::Response response{answer.response.result(), 11};
        response.set(http::field::content_type, answer.response[http::field::content_type]);
        response.body() = std::move(answer.response.body());
        co_return response;
    }

private:
    // How long a delivery under way holds its nonce: the portal call's own bound, and more.
    std::chrono::milliseconds delivery_hold() const {
        const auto& portal = portal_->upstream();
        return portal.connect_timeout + portal.response_timeout + std::chrono::seconds(5);
    }

    const char* verify(const http::request<http::string_body>& message) const {
        return verify_webhook(message.base(), message.body(), secret_, unix_seconds_now());
    }

    std::string secret_;
    std::string portal_path_;
    state::SharedState& state_;
    proxy::UpstreamPool* portal_;
};

}  // namespace

std::unique_ptr<handlers::Handler> make_webhook_handler(const handlers::HandlerSetup& setup) {
    return std::make_unique<WebhookHandler>(setup);
}

}  // namespace tg::sixmm
