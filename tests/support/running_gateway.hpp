// The trading-gateway binary started with a config written to a temp dir, its output
// captured, ready once every given port accepts connections.
#pragma once

#include "tests/support/process.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>

namespace tg::test {

inline const std::string gateway_bin = TG_GATEWAY_BIN;
inline const std::string sandbox_bin = TG_SANDBOX_BIN;

inline std::string port_text(std::uint16_t port) { return std::to_string(port); }

struct RunningGateway {
    RunningGateway(const TempDir& dir, const std::string& config_text, std::initializer_list<std::uint16_t> ports)
        : config(dir.write("gateway.json", config_text)),
          log(dir.path() / "gateway.log"),
          process({gateway_bin, "--config", config.string()}, log) {
        for (const auto port : ports) {
            BOOST_REQUIRE_MESSAGE(wait_for_port(port), "gateway did not start: " << read_file(log));
        }
    }
    std::filesystem::path config, log;
    ChildProcess process;
};

}  // namespace tg::test
