#pragma once

#include "sandbox/common/http_types.hpp"
#include "sandbox/sixmm/token_store.hpp"

namespace tg::sandbox::sixmm {

// The public agent-sso exchange endpoints the widget iframe and the /agent-entry page
// call: they spend a one-time embed token or ticket for an access token. Answers use the
// Developer API envelope {code, message, data?, requestId} and allow any origin (CORS).
class Exchange {
 public:
  explicit Exchange(TokenStore& tokens, std::int64_t access_ttl_seconds = 3600)
      : tokens_(tokens), access_ttl_seconds_(access_ttl_seconds) {}

  Response exchange_embed_token(const Request& request);  // {embedToken, channelId, deviceId?}
  Response exchange_ticket(const Request& request);       // {ticket, deviceId?}
  static Response preflight(const Request& request);      // OPTIONS

 private:
  TokenStore& tokens_;
  std::int64_t access_ttl_seconds_;
};

}  // namespace tg::sandbox::sixmm
