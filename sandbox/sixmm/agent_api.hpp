#pragma once

#include "sandbox/sixmm/signed_request.hpp"
#include "sandbox/sixmm/token_store.hpp"
#include "sandbox/sixmm/user_bindings.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace tg::sandbox::sixmm {

// The signed Agent API endpoints the gateway calls, answering flat {code, message, ...}
// bodies as 6MM does (business errors too come with HTTP 200).
class AgentApi {
 public:
  enum class Endpoint { create_embed_token, create_entry_url, bind };

  struct Reply {
    boost::json::object body;
    std::string_view note;  // why it failed, for the log; never request values
    bool signature_failure = false;
  };

  AgentApi(std::string agent_code, std::string api_secret, bool auto_bound, TokenStore& tokens);

  // The origin webUrl points at ("http://127.0.0.1:PORT"), known once the service is bound.
  void set_public_origin(std::string origin) { public_origin_ = std::move(origin); }

  Reply call(Endpoint endpoint, std::string_view request_body, std::int64_t now);

 private:
  Reply create_embed_token(const boost::json::object& request, std::int64_t now);
  Reply create_entry_url(const boost::json::object& request, std::int64_t now);
  Reply bind(const boost::json::object& request);

  RequestVerifier verifier_;
  UserBindings users_;
  TokenStore& tokens_;
  std::string public_origin_;
};

}  // namespace tg::sandbox::sixmm
