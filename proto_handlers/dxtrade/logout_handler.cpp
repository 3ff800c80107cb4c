#include "proto_handlers/dxtrade/logout_handler.hpp"

#include "gateway/core/error_response.hpp"
#include "gateway/core/log.hpp"
#include "proto_handlers/dxtrade/cross_site.hpp"
#include "proto_handlers/dxtrade/launch_page.hpp"
#include "proto_handlers/dxtrade/service.hpp"
#include "proto_handlers/dxtrade/settings.hpp"
#include "proto_handlers/partner_session/resolver.hpp"

#include <stdexcept>

namespace tg::dxtrade {
namespace {

class LogoutHandler final : public handlers::Handler {
public:
    LogoutHandler(const handlers::HandlerSetup& setup, std::shared_ptr<DxtradeService> service,
                  std::shared_ptr<partner_session::SessionDirectory> sessions)
        : wait_(read_settings(setup.config).logout.wait),
          allowed_origins_(read_settings(setup.config).launch.allowed_origins),
          service_(std::move(service)),
          sessions_(std::move(sessions)),
          resolver_(partner_session::Resolver::for_route(setup, *sessions_)) {
        if (setup.route.upstream.empty()) {
            throw std::runtime_error("route " + setup.route.name +
                                     ": dxtrade.logout needs an upstream (the portal that logs the user out)");
        }
    }

    bool acts_before_proxy() const override { return true; }

    asio::awaitable<std::optional<handlers::Response>> before_proxy(const handlers::RequestHead& head) override {
        std::string request_id(head.request_id);
        // As for the launch: a page on another site must not end the user's sessions (and
        // the portal does not see such a logout either).
        if (is_cross_site(head.header, head.tls, allowed_origins_)) {
            log::info("request ", request_id, ": logout refused: cross-site");
            co_return error_page_response(http::status::forbidden, "Not allowed",
                                          "You can only sign out from the portal.", "");
        }
        try {
            const auto session = co_await resolver_.resolve(head.header, request_id);
            // The portal is about to end it. Should the shared state fail, this replica still
            // knows; the others learn it from the portal once their cached answer runs out.
            const bool shared = co_await resolver_.sign_out(head.header);
            if (!shared) {
                log::warn("request ", request_id, ": the sign-out could not be shared with the other replicas");
            }
            const auto& user = session.identity;
            if (session.kind == partner_session::Lookup::Kind::unavailable ||
                session.kind == partner_session::Lookup::Kind::state_unavailable) {
                log::warn("request ", request_id, ": the portal could not say who is logging out; that user's "
                          "DXtrade sessions are kept alive until their partner session expires or max_age_ms");
            }
            if (session.kind == partner_session::Lookup::Kind::ok && !user.dx_login.empty() && !user.dx_domain.empty()) {
                const auto outcome = co_await service_->log_out(user.dx_login, user.dx_domain, request_id, wait_);
                if (outcome.sessions > 0) {
                    log::info("request ", request_id, ": DXtrade logout of ", outcome.sessions, " sessions: ",
                              outcome.ended, " confirmed, ", outcome.queued, " queued",
                              outcome.finished ? "" : ", still in progress");
                }
            }
        } catch (const std::exception& e) {
            // The portal logout goes ahead whatever happened here.
            log::error("request ", request_id, ": DXtrade logout failed: ", e.what());
        }
        co_return std::nullopt;
    }

    // Only reached if the route had no upstream, which the constructor refuses.
    asio::awaitable<handlers::Response> handle(const handlers::Request& request) override {
        co_return make_error_response(errors::internal, request.request_id);
    }

private:
    std::chrono::milliseconds wait_;
    std::vector<std::string> allowed_origins_;  // launch.allowed_origins: cross-site logouts from these pass
    std::shared_ptr<DxtradeService> service_;
    std::shared_ptr<partner_session::SessionDirectory> sessions_;
    partner_session::Resolver resolver_;
};

}  // namespace

std::unique_ptr<handlers::Handler> make_logout_handler(const handlers::HandlerSetup& setup,
                                                       std::shared_ptr<DxtradeService> service,
                                                       std::shared_ptr<partner_session::SessionDirectory> sessions) {
    return std::make_unique<LogoutHandler>(setup, std::move(service), std::move(sessions));
}

}  // namespace tg::dxtrade
