#include "sandbox/command_line.hpp"

#include <charconv>
#include <string_view>

namespace tg::sandbox {

namespace {

ListenAddress listen_address_argument(std::string_view option, std::string_view value) {
  auto address = parse_listen_address(value);
  if (!address) {
    throw CommandLineError(std::string(option) + " expects HOST:PORT, got '" + std::string(value) + "'");
  }
  return *address;
}

std::chrono::seconds seconds_argument(std::string_view option, std::string_view value) {
  long long seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (value.empty() || error != std::errc{} || end != value.data() + value.size() || seconds <= 0) {
    throw CommandLineError(std::string(option) + " expects a positive number of seconds, got '" +
                           std::string(value) + "'");
  }
  return std::chrono::seconds(seconds);
}

std::chrono::milliseconds milliseconds_argument(std::string_view option, std::string_view value) {
  long long milliseconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), milliseconds);
  if (value.empty() || error != std::errc{} || end != value.data() + value.size() || milliseconds < 0 ||
      milliseconds > 600'000) {
    throw CommandLineError(std::string(option) + " expects milliseconds from 0 to 600000, got '" +
                           std::string(value) + "'");
  }
  return std::chrono::milliseconds(milliseconds);
}

// An absolute http(s) base URL without query or fragment; trailing slashes are dropped.
std::string base_url_argument(std::string_view option, std::string_view value) {
  const auto fail = [&]() -> std::string {
    throw CommandLineError(std::string(option) + " expects an http:// or https:// base URL, got '" +
                           std::string(value) + "'");
  };
  std::string_view rest;
  if (value.starts_with("http://")) {
    rest = value.substr(7);
  } else if (value.starts_with("https://")) {
    rest = value.substr(8);
  } else {
    return fail();
  }
  if (rest.empty() || rest.front() == '/') return fail();
  for (const char c : value) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' ||
        c == '?' || c == '#' || c == '\'' || c == '`') {
      return fail();
    }
  }
  std::string url(value);
  while (url.ends_with('/')) url.pop_back();
  return url;
}

std::string non_empty_argument(std::string_view option, std::string_view value) {
  if (value.empty()) throw CommandLineError(std::string(option) + " needs a non-empty value");
  return std::string(value);
}

}  // namespace

CommandLine parse_command_line(std::span<const char* const> args) {
  CommandLine command_line;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view option = args[i];
    std::optional<std::string_view> inline_value;
    if (const auto equals = option.find('='); option.starts_with("--") && equals != option.npos) {
      inline_value = option.substr(equals + 1);
      option = option.substr(0, equals);
    }
    const auto value = [&]() -> std::string_view {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) throw CommandLineError(std::string(option) + " needs a value");
      return args[++i];
    };

    if (option == "--help" || option == "-h") {
      command_line.show_help = true;
    } else if (option == "--portal") {
      command_line.options.portal = listen_address_argument(option, value());
    } else if (option == "--session-ttl") {
      command_line.options.session_ttl = seconds_argument(option, value());
    } else if (option == "--portal-sixmm-url") {
      command_line.options.portal_sixmm_url = base_url_argument(option, value());
    } else if (option == "--sixmm") {
      command_line.options.sixmm = listen_address_argument(option, value());
    } else if (option == "--sixmm-agent-code") {
      command_line.options.sixmm_options.agent_code = non_empty_argument(option, value());
    } else if (option == "--sixmm-api-secret-file") {
      command_line.options.sixmm_options.api_secret_file = non_empty_argument(option, value());
    } else if (option == "--sixmm-auto-bound" || option == "--sixmm-require-bind") {
      if (inline_value) throw CommandLineError(std::string(option) + " takes no value");
      command_line.options.sixmm_options.auto_bound = option == "--sixmm-auto-bound";
    } else if (option == "--sixmm-mode") {
      const std::string_view text = value();
      const auto mode = sixmm::parse_mode(text);
      if (!mode) {
        throw CommandLineError("--sixmm-mode expects normal, slow, down or reject, got '" + std::string(text) + "'");
      }
      command_line.options.sixmm_options.mode = *mode;
    } else if (option == "--sixmm-slow-ms") {
      command_line.options.sixmm_options.slow_delay = milliseconds_argument(option, value());
    } else if (option == "--dxweb") {
      command_line.options.dxweb = listen_address_argument(option, value());
    } else if (option == "--dxterminal") {
      command_line.options.dxterminal = listen_address_argument(option, value());
    } else if (option == "--dxweb-username") {
      command_line.options.dxtrade_options.api_username = non_empty_argument(option, value());
    } else if (option == "--dxweb-domain") {
      command_line.options.dxtrade_options.api_domain = non_empty_argument(option, value());
    } else if (option == "--dxweb-password-file") {
      command_line.options.dxtrade_options.api_password_file = non_empty_argument(option, value());
    } else if (option == "--dxweb-session-timeout-ms") {
      const auto timeout = milliseconds_argument(option, value());
      if (timeout.count() == 0) throw CommandLineError("--dxweb-session-timeout-ms must be positive");
      command_line.options.dxtrade_options.api_session_timeout = timeout;
    } else if (option == "--dxtrade-inactivity-ms") {
      const auto timeout = milliseconds_argument(option, value());
      if (timeout.count() == 0) throw CommandLineError("--dxtrade-inactivity-ms must be positive");
      command_line.options.dxtrade_options.inactivity_timeout = timeout;
    } else if (option == "--dxtrade-refuse-pings-before-use") {
      command_line.options.dxtrade_options.refuse_pings_before_use = true;
    } else if (option == "--dxtrade-mode") {
      const std::string_view text = value();
      const auto mode = sixmm::parse_mode(text);
      if (!mode) {
        throw CommandLineError("--dxtrade-mode expects normal, slow, down or reject, got '" + std::string(text) + "'");
      }
      command_line.options.dxtrade_options.mode = *mode;
    } else if (option == "--dxtrade-slow-ms") {
      command_line.options.dxtrade_options.slow_delay = milliseconds_argument(option, value());
    } else {
      throw CommandLineError("unknown option '" + std::string(option) + "'");
    }
  }
  const auto& options = command_line.options;
  if (!command_line.show_help && !options.portal && !options.sixmm && !options.dxweb) {
    throw CommandLineError("nothing to serve: give --portal, --sixmm and/or --dxweb with --dxterminal HOST:PORT");
  }
  if (!command_line.show_help && options.dxweb.has_value() != options.dxterminal.has_value()) {
    throw CommandLineError("--dxweb and --dxterminal go together (the DXtrade stand-in needs both)");
  }
  return command_line;
}

std::string usage() {
  return "Usage: trading-sandbox [--portal HOST:PORT [--session-ttl SECONDS] [--portal-sixmm-url URL]]\n"
         "                       [--sixmm HOST:PORT [--sixmm-agent-code CODE] [--sixmm-api-secret-file PATH]\n"
         "                        [--sixmm-auto-bound | --sixmm-require-bind]\n"
         "                        [--sixmm-mode normal|slow|down|reject] [--sixmm-slow-ms MS]]\n"
         "                       [--dxweb HOST:PORT --dxterminal HOST:PORT [--dxweb-username USER]\n"
         "                        [--dxweb-domain DOMAIN] [--dxweb-password-file PATH]\n"
         "                        [--dxweb-session-timeout-ms MS] [--dxtrade-inactivity-ms MS]\n"
         "                        [--dxtrade-mode normal|slow|down|reject] [--dxtrade-slow-ms MS]]\n"
         "\n"
         "Stand-ins for the services trading-gateway sits in front of.\n"
         "Prints '<service> listening on http://HOST:PORT' once per service after binding,\n"
         "then serves until SIGINT or SIGTERM.\n"
         "\n"
         "  --portal HOST:PORT       serve the demo partner portal (PORT 0: any free port)\n"
         "  --session-ttl SECONDS    portal session lifetime (default 3600)\n"
         "  --portal-sixmm-url URL   6MM stand-in base URL the portal's /trading page loads the widget\n"
         "                           SDK from (default http://127.0.0.1:9100)\n"
         "  --sixmm HOST:PORT        serve the 6MM stand-in (Agent API, agent-sso exchange, widget)\n"
         "  --sixmm-agent-code CODE  expected agentCode (default AGENT001)\n"
         "  --sixmm-api-secret-file PATH\n"
         "                           file holding the apiSecret (default: a built-in demo secret)\n"
         "  --sixmm-auto-bound       u-alice and u-bob pre-bound, other users bound on first use (default)\n"
         "  --sixmm-require-bind     only users bound through /v1/agent/bind get tokens (else 6201)\n"
         "  --sixmm-mode MODE        Agent API behaviour: normal (default), slow, down (503), reject (6904)\n"
         "  --sixmm-slow-ms MS       delay of slow mode (default 5000)\n"
         "  --dxweb HOST:PORT        serve the DXtrade stand-in's dxWeb API (/dxweb/rest/*, /__control/*)\n"
         "  --dxterminal HOST:PORT   serve the DXtrade stand-in's WEB terminal host (with --dxweb)\n"
         "  --dxweb-username USER    dxWeb API user (default sso-service)\n"
         "  --dxweb-domain DOMAIN    dxWeb API domain (default default)\n"
         "  --dxweb-password-file PATH\n"
         "                           file holding the dxWeb API password (default: a built-in demo password)\n"
         "  --dxweb-session-timeout-ms MS\n"
         "                           lifetime of /login session tokens (default 60000)\n"
         "  --dxtrade-inactivity-ms MS\n"
         "                           a trader session ends after MS without /ping (default 30000)\n"
         "  --dxtrade-refuse-pings-before-use\n"
         "                           /ping of a token the terminal has not taken yet answers 404\n"
         "  --dxtrade-mode MODE      dxWeb behaviour: normal (default), slow, down (503), reject (403 on\n"
         "                           generateToken)\n"
         "  --dxtrade-slow-ms MS     delay of slow mode (default 5000)\n"
         "  -h, --help               show this help\n";
}

}  // namespace tg::sandbox
