// POST from 6MM to the partner (handler "sixmm.webhook"): verifies X-Agent-Timestamp,
// X-Agent-Nonce and X-Agent-Signature over the raw body with apiSecret, then passes the
// untouched body to the route's upstream (the portal) with X-Webhook-Verified: 6mm, so
// the portal never needs the apiSecret.
#pragma once

#include "gateway/handlers/handler.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tg::sixmm {

// Nonces seen within the acceptance window, shared by all workers.
class NonceCache {
public:
    // False when the nonce was seen before (a replay); remembers it otherwise.
    bool first_use(const std::string& nonce, std::chrono::seconds keep_for);
    // The delivery failed (the portal did not take it): 6MM may send the same one again.
    void forget(const std::string& nonce);

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> seen_;
    std::chrono::steady_clock::time_point next_sweep_{};
};

std::unique_ptr<handlers::Handler> make_webhook_handler(const handlers::HandlerSetup& setup,
                                                        std::shared_ptr<NonceCache> nonces);

}  // namespace tg::sixmm
