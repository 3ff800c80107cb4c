#include "sandbox/sixmm/agent_api.hpp"

#include "sandbox/sixmm/json_fields.hpp"

#include <boost/url/parse.hpp>

namespace tg::sandbox::sixmm {

namespace {

using Reply = AgentApi::Reply;
using boost::json::object;

constexpr std::size_t kMaxChannelId = 128;

Reply failure(std::int64_t code, std::string_view message, std::string_view note) {
  return {object{{"code", code}, {"message", message}}, note};
}

Reply missing(std::string_view note) { return failure(102001, "required parameter missing", note); }
Reply invalid(std::string_view note) { return failure(102002, "invalid parameter", note); }
Reply not_bound() { return failure(6201, "agent user not bound", "agent user not bound"); }

Reply success(object fields) {
  object body{{"code", 0}, {"message", "success"}};
  for (auto& [key, value] : fields) body[key] = std::move(value);
  return {std::move(body), {}};
}

// Relative 6MM path: starts with one '/' (not "//host", which a browser reads as another host).
bool valid_redirect_path(std::string_view path) {
  return path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") &&
         path.find_first_of("\r\n") == path.npos;
}

// Absolute http/https URL (a fragment is fine) with a host and no userinfo.
bool valid_return_url(std::string_view url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->has_userinfo() || parsed->encoded_host().empty()) return false;
  return parsed->scheme_id() == boost::urls::scheme::http || parsed->scheme_id() == boost::urls::scheme::https;
}

}  // namespace

AgentApi::AgentApi(std::string agent_code, std::string api_secret, bool auto_bound, TokenStore& tokens)
    : verifier_(std::move(agent_code), std::move(api_secret)), users_(auto_bound), tokens_(tokens) {}

Reply AgentApi::call(Endpoint endpoint, std::string_view request_body, std::int64_t now) {
  const auto request = parse_json_object(request_body);
  if (!request) return invalid("body is not a JSON object");

  const auto check = verifier_.verify(*request, now);
  if (!check.ok) {
    Reply reply = failure(6001, "signature error", check.failure);
    reply.signature_failure = true;
    return reply;
  }

  switch (endpoint) {
    case Endpoint::create_embed_token: return create_embed_token(*request, now);
    case Endpoint::create_entry_url: return create_entry_url(*request, now);
    case Endpoint::bind: return bind(*request);
  }
  return failure(102002, "invalid parameter", "unknown endpoint");
}

Reply AgentApi::create_embed_token(const object& request, std::int64_t now) {
  const StringField agent_user_id = string_field(request, "agentUserId");
  const StringField channel_id = string_field(request, "channelId");
  const StringField symbol = string_field(request, "symbol");
  if (agent_user_id.missing()) return missing("agentUserId missing");
  if (channel_id.missing()) return missing("channelId missing");
  if (agent_user_id.invalid() || channel_id.invalid() || symbol.invalid()) return invalid("non-string field");
  if (channel_id.value.size() > kMaxChannelId) return invalid("channelId longer than 128");
  if (!users_.bound_user(agent_user_id.value)) return not_bound();

  const auto issued = tokens_.issue_embed_token(agent_user_id.value, channel_id.value, symbol.value, now);
  return success({{"embedToken", issued.token}, {"expireAt", issued.expire_at}});
}

Reply AgentApi::create_entry_url(const object& request, std::int64_t now) {
  const StringField agent_user_id = string_field(request, "agentUserId");
  const StringField redirect_path = string_field(request, "redirectPath");
  const StringField return_url = string_field(request, "returnUrl");
  if (agent_user_id.missing()) return missing("agentUserId missing");
  if (agent_user_id.invalid() || redirect_path.invalid() || return_url.invalid()) return invalid("non-string field");
  if (redirect_path.present() && !valid_redirect_path(redirect_path.value)) return invalid("bad redirectPath");
  if (return_url.present() && !valid_return_url(return_url.value)) return invalid("bad returnUrl");
  if (!users_.bound_user(agent_user_id.value)) return not_bound();

  const std::string_view landing = redirect_path.present() ? redirect_path.value : std::string_view("/");
  const auto issued = tokens_.issue_ticket(agent_user_id.value, landing, now);
  return success({{"webUrl", public_origin_ + "/agent-entry?ticket=" + issued.token},
                  {"expireAt", issued.expire_at}});
}

Reply AgentApi::bind(const object& request) {
  const StringField agent_user_id = string_field(request, "agentUserId");
  if (agent_user_id.missing()) return missing("agentUserId missing");
  if (agent_user_id.invalid() || string_field(request, "username").invalid() || string_field(request, "ext").invalid()) {
    return invalid("non-string field");
  }
  return success({{"platformUserId", users_.bind(agent_user_id.value)},
                  {"bindStatus", "BOUND"},
                  {"isSimulatedUser", false}});
}

}  // namespace tg::sandbox::sixmm
