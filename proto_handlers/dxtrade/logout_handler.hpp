// POST /logout (handler "dxtrade.logout" on a route whose upstream is the portal): ends
// the user's DXtrade sessions first -- their pings stop, dxWeb logs them out, what it does
// not confirm within logout.wait is queued -- and then the request is proxied to the
// portal as usual. Nothing here can stop the portal logout.
#pragma once

#include "gateway/handlers/handler.hpp"
#include "proto_handlers/partner_session/session_directory.hpp"

#include <memory>

namespace tg::dxtrade {

class DxtradeService;

std::unique_ptr<handlers::Handler> make_logout_handler(const handlers::HandlerSetup& setup,
                                                       std::shared_ptr<DxtradeService> service,
                                                       std::shared_ptr<partner_session::SessionDirectory> sessions);

}  // namespace tg::dxtrade
