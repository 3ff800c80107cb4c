// The sandbox demo portal, as tests use it through a gateway.
#pragma once

#include <cstdint>
#include <string>

namespace tg::test {

// Signs a demo user (password = user name) in at the portal on `port`; the
// "portal_session=<hex>" cookie it set. Fails the test if there is none.
std::string portal_login(std::uint16_t port, const std::string& user);

}  // namespace tg::test
