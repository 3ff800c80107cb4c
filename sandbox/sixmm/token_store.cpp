#include "sandbox/sixmm/token_store.hpp"

#include "sandbox/common/random_id.hpp"

namespace tg::sandbox::sixmm {

TokenStore::Issued TokenStore::issue_embed_token(std::string_view agent_user_id, std::string_view channel_id,
                                                 std::string_view symbol, std::int64_t now) {
  return issue({Kind::embed_token, std::string(agent_user_id), std::string(channel_id), std::string(symbol), {}, 0},
               now);
}

TokenStore::Issued TokenStore::issue_ticket(std::string_view agent_user_id, std::string_view redirect_path,
                                            std::int64_t now) {
  return issue({Kind::ticket, std::string(agent_user_id), {}, {}, std::string(redirect_path), 0}, now);
}

std::optional<TokenStore::EmbedGrant> TokenStore::redeem_embed_token(std::string_view token,
                                                                     std::string_view channel_id, std::int64_t now) {
  auto entry = take(token, Kind::embed_token, now);
  if (!entry || entry->channel_id != channel_id) return std::nullopt;
  return EmbedGrant{std::move(entry->agent_user_id), std::move(entry->symbol)};
}

std::optional<TokenStore::TicketGrant> TokenStore::redeem_ticket(std::string_view ticket, std::int64_t now) {
  auto entry = take(ticket, Kind::ticket, now);
  if (!entry) return std::nullopt;
  return TicketGrant{std::move(entry->agent_user_id), std::move(entry->redirect_path)};
}

TokenStore::Issued TokenStore::issue(Entry entry, std::int64_t now) {
  std::erase_if(entries_, [now](const auto& item) { return item.second.expire_at < now; });
  entry.expire_at = now + ttl_seconds_;
  std::string token;
  do {
    token = random_hex_id(16);
  } while (entries_.contains(token));
  const std::int64_t expire_at = entry.expire_at;
  entries_.emplace(token, std::move(entry));
  return {std::move(token), expire_at};
}

std::optional<TokenStore::Entry> TokenStore::take(std::string_view token, Kind kind, std::int64_t now) {
  const auto found = entries_.find(std::string(token));
  if (found == entries_.end() || found->second.kind != kind) return std::nullopt;
  Entry entry = std::move(found->second);
  entries_.erase(found);
  if (entry.expire_at < now) return std::nullopt;
  return entry;
}

}  // namespace tg::sandbox::sixmm
