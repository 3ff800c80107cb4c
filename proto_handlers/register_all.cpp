#include "proto_handlers/register_all.hpp"

#include "proto_handlers/dxtrade/launch_handler.hpp"
#include "proto_handlers/dxtrade/logout_handler.hpp"
#include "proto_handlers/dxtrade/service.hpp"
#include "proto_handlers/dxtrade/settings.hpp"
#include "proto_handlers/partner_session/settings.hpp"
#include "proto_handlers/sixmm/settings.hpp"
#include "proto_handlers/sixmm/token_endpoints.hpp"
#include "proto_handlers/sixmm/webhook.hpp"

namespace tg::proto_handlers {

void register_all(handlers::Registry& registry) {
    registry.add_section(partner_session::section_name, partner_session::validate_section);
    // One cache of portal answers for every route and worker.
    auto partner_sessions = std::make_shared<partner_session::SessionDirectory>();

    registry.add_section(sixmm::section_name, sixmm::validate_section);
    auto sixmm_state = std::make_shared<sixmm::SharedState>();
    sixmm_state->sessions = partner_sessions;
    registry.add("sixmm.embed_token", [sixmm_state](const handlers::HandlerSetup& setup) {
        return sixmm::make_embed_token_handler(setup, sixmm_state);
    });
    registry.add("sixmm.entry_url", [sixmm_state](const handlers::HandlerSetup& setup) {
        return sixmm::make_entry_url_handler(setup, sixmm_state);
    });
    registry.add("sixmm.webhook", sixmm::make_webhook_handler);
    registry.add_gateway_owned_header("X-Webhook-Verified");  // asserted by sixmm.webhook only

    registry.add_section(dxtrade::section_name, dxtrade::validate_section);
    auto dxtrade_service = std::make_shared<dxtrade::DxtradeService>();
    registry.add_service(dxtrade_service);
    registry.add("dxtrade.launch", [dxtrade_service, partner_sessions](const handlers::HandlerSetup& setup) {
        return dxtrade::make_launch_handler(setup, dxtrade_service, partner_sessions);
    });
    registry.add("dxtrade.logout", [dxtrade_service, partner_sessions](const handlers::HandlerSetup& setup) {
        return dxtrade::make_logout_handler(setup, dxtrade_service, partner_sessions);
    });
}

}  // namespace tg::proto_handlers
