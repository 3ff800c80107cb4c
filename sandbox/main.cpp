// trading-sandbox: stand-ins for the services trading-gateway is put in front of.
#include "sandbox/command_line.hpp"
#include "sandbox/common/http_server.hpp"
#include "sandbox/common/listen_address.hpp"
#include "sandbox/portal/portal.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/system/system_error.hpp>

#include <csignal>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace tg::sandbox;

// Binds, announces the actual address on stdout (scripts and tests wait for this
// line to learn the port) and starts accepting.
std::unique_ptr<HttpServer> start_service(asio::io_context& io, std::string_view name,
                                          const ListenAddress& address, Handler handler,
                                          UpgradeLookup upgrade) {
  std::unique_ptr<HttpServer> server;
  try {
    server = std::make_unique<HttpServer>(io, resolve_listen_address(io, address), std::move(handler),
                                          std::move(upgrade));
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(std::string(name) + ": cannot listen on " + address.host + ":" +
                             std::to_string(address.port) + ": " + e.code().message());
  }
  std::cout << name << " listening on " << http_url(server->local_endpoint()) << std::endl;
  server->start();
  return server;
}

int run(const SandboxOptions& options) {
  asio::io_context io;

  // Installed before anything is announced, so a SIGTERM sent as soon as the
  // "listening" line appears still gets a clean exit.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });

  std::optional<portal::Portal> demo_portal;
  std::vector<std::unique_ptr<HttpServer>> servers;
  if (options.portal) {
    demo_portal.emplace(portal::PortalOptions{options.session_ttl});
    servers.push_back(start_service(
        io, "portal", *options.portal,
        [&demo_portal](const Request& r) { return demo_portal->handle(r); },
        [&demo_portal](const Request& r) { return demo_portal->find_upgrade(r); }));
  }

  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine command_line;
  try {
    command_line = parse_command_line({argv + 1, argv + argc});
  } catch (const CommandLineError& e) {
    std::cerr << "trading-sandbox: " << e.what() << "\nTry 'trading-sandbox --help'.\n";
    return 2;
  }
  if (command_line.show_help) {
    std::cout << usage();
    return 0;
  }
  try {
    return run(command_line.options);
  } catch (const std::exception& e) {
    std::cerr << "trading-sandbox: " << e.what() << '\n';
    return 1;
  }
}
