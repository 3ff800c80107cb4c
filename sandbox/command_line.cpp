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
    } else {
      throw CommandLineError("unknown option '" + std::string(option) + "'");
    }
  }
  if (!command_line.show_help && !command_line.options.portal) {
    throw CommandLineError("nothing to serve: give --portal HOST:PORT");
  }
  return command_line;
}

std::string usage() {
  return "Usage: trading-sandbox --portal HOST:PORT [--session-ttl SECONDS]\n"
         "\n"
         "Stand-ins for the services trading-gateway sits in front of.\n"
         "Prints '<service> listening on http://HOST:PORT' once per service after binding,\n"
         "then serves until SIGINT or SIGTERM.\n"
         "\n"
         "  --portal HOST:PORT       serve the demo partner portal (PORT 0: any free port)\n"
         "  --session-ttl SECONDS    portal session lifetime (default 3600)\n"
         "  -h, --help               show this help\n";
}

}  // namespace tg::sandbox
