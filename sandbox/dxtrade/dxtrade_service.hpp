#pragma once

#include "sandbox/common/http_types.hpp"
#include "sandbox/common/router.hpp"
#include "sandbox/dxtrade/auth.hpp"
#include "sandbox/dxtrade/control.hpp"
#include "sandbox/dxtrade/dxweb_api.hpp"
#include "sandbox/dxtrade/options.hpp"
#include "sandbox/dxtrade/ping_log.hpp"
#include "sandbox/dxtrade/terminal.hpp"
#include "sandbox/dxtrade/trader_sessions.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace tg::sandbox::dxtrade {

// The DXtrade stand-in: the dxWeb API (with /__control switches) on one listener and the
// WEB terminal host on another, sharing the trader sessions. Routes: sandbox/README.md.
class DxtradeService {
 public:
  DxtradeService(const DxtradeOptions& options, std::string api_password);
  DxtradeService(const DxtradeService&) = delete;  // routes capture `this`
  DxtradeService& operator=(const DxtradeService&) = delete;

  // Asynchronous so that slow mode holds back an answer without stalling others.
  boost::asio::awaitable<Response> handle_dxweb(const Request& request);
  Response handle_terminal(const Request& request) const { return terminal_.handle(request); }

 private:
  using Operation = DxwebApi::Reply (DxwebApi::*)(const FormFields&, Clock::time_point);
  Response api_call(std::string_view path, Operation operation, const Request& request);
  DxwebApi::Reply api_reply(std::string_view path, Operation operation, const Request& request, Clock::time_point now);
  Response login_call(const Request& request);
  Response stats();
  Response pings();                                   // GET /__control/pings
  Response reset_pings();                             // POST /__control/pings/reset
  Response live_sessions_of(const Request& request);  // GET /__control/sessions?login=&domain=

  TraderSessions sessions_;
  PingLog ping_log_;
  ApiAuth auth_;
  DxwebApi api_;
  Control control_;
  Terminal terminal_;
  Router router_;
};

}  // namespace tg::sandbox::dxtrade
