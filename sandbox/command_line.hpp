#pragma once

#include "sandbox/common/listen_address.hpp"
#include "sandbox/dxtrade/options.hpp"
#include "sandbox/sixmm/options.hpp"

#include <chrono>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

namespace tg::sandbox {

// One listen address per stand-in service; a service runs only when given one.
struct SandboxOptions {
  std::optional<ListenAddress> portal;
  std::chrono::seconds session_ttl{3600};
  // Where the portal's /trading page loads the 6MM widget SDK from (the stand-in's URL).
  std::string portal_sixmm_url = "http://127.0.0.1:9100";
  std::optional<ListenAddress> sixmm;
  sixmm::SixmmOptions sixmm_options;
  std::optional<ListenAddress> dxweb;       // dxWeb API of the DXtrade stand-in
  std::optional<ListenAddress> dxterminal;  // its WEB terminal host
  dxtrade::DxtradeOptions dxtrade_options;
};

struct CommandLine {
  bool show_help = false;
  SandboxOptions options;
};

struct CommandLineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `args` excludes the program name. Accepts "--name value" and "--name=value".
// Throws CommandLineError with a message meant for the user.
CommandLine parse_command_line(std::span<const char* const> args);

std::string usage();

}  // namespace tg::sandbox
