#pragma once

#include "sandbox/common/http_types.hpp"
#include "sandbox/common/router.hpp"
#include "sandbox/portal/demo_users.hpp"
#include "sandbox/portal/pages.hpp"
#include "sandbox/portal/session_store.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace tg::sandbox::portal {

struct PortalOptions {
  std::chrono::seconds session_ttl{3600};
  // Base URL of the 6MM stand-in (or 6MM's app origin): /trading loads the widget SDK from it.
  std::string sixmm_url = "http://127.0.0.1:9100";
};

// The demo partner portal: cookie login for the demo users, a home page that
// links to the trading apps, the "Trading widget" page (the 6MM widget fed by the
// gateway's token endpoints), and a JSON session API for the gateway to call.
class Portal {
 public:
  explicit Portal(PortalOptions options = {});
  Portal(const Portal&) = delete;  // routes capture `this`
  Portal& operator=(const Portal&) = delete;

  Response handle(const Request& request);
  UpgradeHandler find_upgrade(const Request& request) const;

 private:
  struct SignedIn {
    std::string session_id;
    Session session;
    const DemoUser* user;
  };
  std::optional<SignedIn> signed_in(const Request& request);

  Response home(const Request& request);
  Response login(const Request& request);
  Response logout(const Request& request);
  Response session(const Request& request);
  Response trading(const Request& request);

  Router router_;
  SessionStore sessions_;
  std::string sixmm_url_;
};

}  // namespace tg::sandbox::portal
