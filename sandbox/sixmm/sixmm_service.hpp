#pragma once

#include "sandbox/common/http_types.hpp"
#include "sandbox/common/router.hpp"
#include "sandbox/sixmm/agent_api.hpp"
#include "sandbox/sixmm/control.hpp"
#include "sandbox/sixmm/exchange.hpp"
#include "sandbox/sixmm/options.hpp"
#include "sandbox/sixmm/token_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace tg::sandbox::sixmm {

// The 6MM stand-in: the signed Agent API, the public agent-sso exchange endpoints, the
// widget SDK and its pages, and the /__control test switches. Routes are listed in
// sandbox/README.md.
class SixmmService {
 public:
  SixmmService(const SixmmOptions& options, std::string api_secret);
  SixmmService(const SixmmService&) = delete;  // routes capture `this`
  SixmmService& operator=(const SixmmService&) = delete;

  // Where the service can be reached ("http://127.0.0.1:PORT"); webUrl points there.
  void set_public_origin(std::string origin);

  // Asynchronous so that slow mode holds back an Agent API answer without stalling others.
  boost::asio::awaitable<Response> handle(const Request& request);

 private:
  Response agent_call(AgentApi::Endpoint endpoint, std::string_view path, const Request& request);
  Response public_call(std::string_view path, Response (Exchange::*method)(const Request&),
                       const Request& request);

  TokenStore tokens_;
  AgentApi agent_api_;
  Exchange exchange_;
  Control control_;
  Router router_;
};

}  // namespace tg::sandbox::sixmm
