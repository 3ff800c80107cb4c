// trading-sandbox: stand-ins for the services trading-gateway is put in front of.
#include "sandbox/command_line.hpp"
#include "sandbox/common/http_server.hpp"
#include "sandbox/common/listen_address.hpp"
#include "sandbox/common/secret_file.hpp"
#include "sandbox/dxtrade/dxtrade_service.hpp"
#include "sandbox/portal/portal.hpp"
#include "sandbox/sixmm/sixmm_service.hpp"

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
template <class AnyHandler>  // Handler or AsyncHandler
std::unique_ptr<HttpServer> start_service(asio::io_context& io, std::string_view name,
                                          const ListenAddress& address, AnyHandler handler,
                                          UpgradeLookup upgrade = {}) {
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

// The service's own URL for links it hands out: a wildcard bind address becomes loopback.
std::string reachable_url(asio::ip::tcp::endpoint endpoint) {
  if (endpoint.address().is_unspecified()) {
    endpoint.address(endpoint.address().is_v6() ? asio::ip::address(asio::ip::address_v6::loopback())
                                                : asio::ip::address(asio::ip::address_v4::loopback()));
  }
  return http_url(endpoint);
}

int run(const SandboxOptions& options) {
  asio::io_context io;

  // Installed before anything is announced, so a SIGTERM sent as soon as the
  // "listening" line appears still gets a clean exit.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });

  // Read before anything listens, so a bad secret file fails the start cleanly.
  std::optional<sixmm::SixmmService> sixmm_service;
  if (options.sixmm) {
    auto secret = load_secret_file(options.sixmm_options.api_secret_file, "sandbox-demo-secret", "sixmm",
                                   "api secret file");
    if (secret.demo) {
      std::cerr << "trading-sandbox: warning: sixmm uses the built-in demo apiSecret; "
                   "give --sixmm-api-secret-file for anything but local tests\n";
    }
    sixmm_service.emplace(options.sixmm_options, std::move(secret.value));
  }

  std::optional<dxtrade::DxtradeService> dxtrade_service;
  if (options.dxweb) {
    auto password = load_secret_file(options.dxtrade_options.api_password_file, "sandbox-dxweb-password", "dxweb",
                                     "password file");
    if (password.demo) {
      std::cerr << "trading-sandbox: warning: dxweb uses the built-in demo password; "
                   "give --dxweb-password-file for anything but local tests\n";
    }
    dxtrade_service.emplace(options.dxtrade_options, std::move(password.value));
  }

  std::optional<portal::Portal> demo_portal;
  std::vector<std::unique_ptr<HttpServer>> servers;
  if (options.portal) {
    demo_portal.emplace(portal::PortalOptions{options.session_ttl, options.portal_sixmm_url});
    servers.push_back(start_service(
        io, "portal", *options.portal,
        [&demo_portal](const Request& r) { return demo_portal->handle(r); },
        [&demo_portal](const Request& r) { return demo_portal->find_upgrade(r); }));
  }
  if (options.sixmm) {
    servers.push_back(start_service(io, "sixmm", *options.sixmm, AsyncHandler([&sixmm_service](const Request& r) {
                                      return sixmm_service->handle(r);
                                    })));
    sixmm_service->set_public_origin(reachable_url(servers.back()->local_endpoint()));
  }

  if (options.dxweb) {
    servers.push_back(start_service(io, "dxweb", *options.dxweb, AsyncHandler([&dxtrade_service](const Request& r) {
                                      return dxtrade_service->handle_dxweb(r);
                                    })));
    servers.push_back(start_service(io, "dxterminal", *options.dxterminal, [&dxtrade_service](const Request& r) {
      return dxtrade_service->handle_terminal(r);
    }));
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
