// The sandbox's DXtrade stand-in (dxWeb API + terminal host) on loopback ports chosen at
// run time, with its password in a temp file and its test switches.
#pragma once

#include "tests/support/client.hpp"
#include "tests/support/process.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tg::test {

struct DxtradeSandbox {
    DxtradeSandbox(const std::string& password, std::vector<std::string> flags = {});

    std::string dxweb_url() const;
    // POST /__control/mode (normal, slow, down, reject).
    void set_mode(const std::string& mode, int slow_ms = 0);
    // POST form-with-token to the terminal: its status (303 = logged in).
    unsigned redeem(const std::string& token);
    // GET /__control/stats: calls per endpoint, live sessions.
    boost::json::object stats();
    // The stand-in's live trader sessions, all users; of login@domain.
    int live_sessions();
    int live(const std::string& login, const std::string& domain = "default");
    // dxWeb calls to one endpoint ("logoutByToken"), from GET /__control/stats.
    std::uint64_t calls(const std::string& endpoint);
    // The ping log (GET /__control/pings) and its reset.
    boost::json::object pings();
    void reset_pings();

    TempDir dir;
    std::uint16_t dxweb_port = unused_port(), terminal_port = unused_port();
    std::optional<ChildProcess> process;
};

}  // namespace tg::test
