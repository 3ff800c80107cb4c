#include "proto_handlers/dxtrade/launch_handler.hpp"

#include "gateway/core/log.hpp"
#include "proto_handlers/dxtrade/cross_site.hpp"
#include "proto_handlers/dxtrade/dxweb_requests.hpp"
#include "proto_handlers/dxtrade/launch_page.hpp"
#include "proto_handlers/dxtrade/service.hpp"
#include "proto_handlers/dxtrade/settings.hpp"
#include "proto_handlers/partner_session/resolver.hpp"

#include <stdexcept>

namespace tg::dxtrade {
namespace {

class LaunchHandler final : public handlers::Handler {
public:
    LaunchHandler(const handlers::HandlerSetup& setup, std::shared_ptr<DxtradeService> service,
                  std::shared_ptr<partner_session::SessionDirectory> sessions)
        : settings_(read_settings(setup.config)),
          service_(std::move(service)),
          sessions_(std::move(sessions)),
          resolver_(partner_session::Resolver::for_route(setup, *sessions_)) {
        if (!origin_of(settings_.terminal_login_url)) {
            throw std::runtime_error("dxtrade.terminal_login_url: not an absolute http(s) URL with a plain host");
        }
    }

    asio::awaitable<handlers::Response> handle(const handlers::Request& request) override {
        auto response = co_await respond(request);
        response.set(http::field::cache_control, "no-store");
        response.set("Referrer-Policy", "no-referrer");
        response.set("X-Content-Type-Options", "nosniff");
        co_return response;
    }

private:
    asio::awaitable<handlers::Response> respond(const handlers::Request& request) {
        const auto& message = request.message;
        if (message.method() != http::verb::get) {
            auto response = error_page(http::status::method_not_allowed, "Method not allowed",
                                       "Open DXtrade with a GET request (a link or a button).", "");
            response.set(http::field::allow, "GET");
            co_return response;
        }
        if (is_cross_site(message, request.tls, settings_.launch.allowed_origins)) {
            log::info("request ", request.request_id, ": dxtrade launch refused: cross-site");
            co_return error_page(http::status::forbidden, "Not allowed",
                                 "DXtrade can only be opened from the portal.", "");
        }
        const auto session = co_await resolver_.resolve(message, request.request_id);
        if (session.kind == partner_session::Lookup::Kind::no_session) co_return signed_out();
        if (session.kind == partner_session::Lookup::Kind::unavailable ||
            session.kind == partner_session::Lookup::Kind::state_unavailable) {
            co_return unavailable(retry_path(request));
        }
        const auto& user = session.identity;
        if (user.dx_login.empty() || user.dx_domain.empty()) {
            co_return error_page(http::status::forbidden, "No DXtrade account",
                                 "No DXtrade account is linked to your portal user.", "");
        }
        std::string request_id(request.request_id);
        LaunchOutcome outcome;
        try {
            outcome = co_await service_->open_session(user, request_id);
        } catch (const std::exception& e) {
            log::error("request ", request_id, ": dxtrade launch failed: ", e.what());
        }
        switch (outcome.kind) {
            case LaunchOutcome::Kind::ok: break;
            case LaunchOutcome::Kind::timeout:
                co_return error_page(http::status::gateway_timeout, "DXtrade did not answer",
                                     "DXtrade did not answer in time. Please try again.", retry_path(request));
            case LaunchOutcome::Kind::rejected:
                co_return error_page(http::status::bad_gateway, "DXtrade refused the sign-in",
                                     "DXtrade refused to open a session for your account. Please try again later or "
                                     "contact support.",
                                     retry_path(request));
            case LaunchOutcome::Kind::signed_out: co_return signed_out();
            default: co_return unavailable(retry_path(request));
        }
        const auto token = settings_.token.send_base64 ? base64(outcome.token) : outcome.token;
        co_return page_response(http::status::ok, render_launch_page(settings_.terminal_login_url, token,
                                                                     settings_.target, csp_nonce()));
    }

    handlers::Response signed_out() const {
        if (!settings_.launch.login_url.empty()) {
            handlers::Response response{http::status::found, 11};
            response.set(http::field::location, settings_.launch.login_url);
            return response;
        }
        return error_page(http::status::unauthorized, "Signed out",
                          "Your portal session has ended. Sign in to the portal again.", "");
    }

    handlers::Response unavailable(std::string_view retry) const {
        auto response = error_page(http::status::service_unavailable, "DXtrade is unavailable",
                                   "DXtrade cannot be opened right now. Please try again in a moment.", retry);
        response.set(http::field::retry_after, std::to_string(settings_.launch.retry_after_seconds));
        return response;
    }

    static std::string retry_path(const handlers::Request& request) {
        const std::string_view target = request.message.target();
        return std::string(target.substr(0, target.find('?')));
    }

    static handlers::Response error_page(http::status status, std::string_view title, std::string_view message,
                                         std::string_view retry) {
        return error_page_response(status, title, message, retry);
    }

    Settings settings_;
    std::shared_ptr<DxtradeService> service_;
    std::shared_ptr<partner_session::SessionDirectory> sessions_;
    partner_session::Resolver resolver_;
};

}  // namespace

std::unique_ptr<handlers::Handler> make_launch_handler(const handlers::HandlerSetup& setup,
                                                       std::shared_ptr<DxtradeService> service,
                                                       std::shared_ptr<partner_session::SessionDirectory> sessions) {
    return std::make_unique<LaunchHandler>(setup, std::move(service), std::move(sessions));
}

}  // namespace tg::dxtrade
