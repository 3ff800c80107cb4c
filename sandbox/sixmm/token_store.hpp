#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tg::sandbox::sixmm {

// One-time embed tokens and agent-sso entry tickets: random 32 hex chars, valid until
// expireAt (Unix seconds, inclusive). A token is gone after its first presentation,
// whatever the outcome, so a wrong channelId also spends it.
class TokenStore {
 public:
  struct Issued {
    std::string token;
    std::int64_t expire_at = 0;
  };
  struct EmbedGrant {
    std::string agent_user_id;
    std::string symbol;
  };
  struct TicketGrant {
    std::string agent_user_id;
    std::string redirect_path;
  };

  explicit TokenStore(std::int64_t ttl_seconds = 300) : ttl_seconds_(ttl_seconds) {}

  Issued issue_embed_token(std::string_view agent_user_id, std::string_view channel_id, std::string_view symbol,
                           std::int64_t now);
  Issued issue_ticket(std::string_view agent_user_id, std::string_view redirect_path, std::int64_t now);

  std::optional<EmbedGrant> redeem_embed_token(std::string_view token, std::string_view channel_id,
                                               std::int64_t now);
  std::optional<TicketGrant> redeem_ticket(std::string_view ticket, std::int64_t now);

 private:
  enum class Kind { embed_token, ticket };
  struct Entry {
    Kind kind;
    std::string agent_user_id;
    std::string channel_id;     // embed tokens
    std::string symbol;         // embed tokens
    std::string redirect_path;  // tickets
    std::int64_t expire_at;
  };

  Issued issue(Entry entry, std::int64_t now);
  // Removes and returns the entry if it exists, has this kind and has not expired.
  std::optional<Entry> take(std::string_view token, Kind kind, std::int64_t now);

  std::int64_t ttl_seconds_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace tg::sandbox::sixmm
