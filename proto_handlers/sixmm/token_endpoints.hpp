// POST /api/trading/embed-token (sixmm.embed_token) and POST /api/trading-entry
// (sixmm.entry_url): the partner backend of the 6MM Trading Widget.
#pragma once

#include "gateway/handlers/handler.hpp"
#include "proto_handlers/partner_session/session_directory.hpp"

#include <memory>

namespace tg::sixmm {

// State shared by the handler instances of every worker.
struct SharedState {
    std::shared_ptr<partner_session::SessionDirectory> sessions;  // the process's one
};

std::unique_ptr<handlers::Handler> make_embed_token_handler(const handlers::HandlerSetup& setup,
                                                            std::shared_ptr<SharedState> shared);
std::unique_ptr<handlers::Handler> make_entry_url_handler(const handlers::HandlerSetup& setup,
                                                          std::shared_ptr<SharedState> shared);

}  // namespace tg::sixmm
