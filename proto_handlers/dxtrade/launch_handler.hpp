// GET /trading/dxtrade/launch (handler "dxtrade.launch"): the portal user's DXtrade SSO.
// Partner session -> the user's DXtrade login and domain -> generateToken -> the session
// recorded durably -> an HTML page whose hidden form POSTs the token to the terminal.
// Every failure is an HTML page with the matching status (401/403/502/503/504).
#pragma once

#include "gateway/handlers/handler.hpp"
#include "proto_handlers/partner_session/session_directory.hpp"

#include <memory>

namespace tg::dxtrade {

class DxtradeService;

std::unique_ptr<handlers::Handler> make_launch_handler(const handlers::HandlerSetup& setup,
                                                       std::shared_ptr<DxtradeService> service,
                                                       std::shared_ptr<partner_session::SessionDirectory> sessions);

}  // namespace tg::dxtrade
