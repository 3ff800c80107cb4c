// POST from 6MM to the partner (handler "sixmm.webhook"): verifies X-Agent-Timestamp,
// X-Agent-Nonce and X-Agent-Signature over the raw body with apiSecret, then passes the
// untouched body to the route's upstream (the portal) with X-Webhook-Verified: 6mm, so
// the portal never needs the apiSecret.
#pragma once

#include "gateway/handlers/handler.hpp"

#include <memory>

namespace tg::sixmm {

// The nonces seen within the acceptance window are kept in the shared state (by a hash),
// so a webhook replayed to another replica, or after a restart with a lasting backend,
// is refused too.
std::unique_ptr<handlers::Handler> make_webhook_handler(const handlers::HandlerSetup& setup);

}  // namespace tg::sixmm
