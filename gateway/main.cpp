// trading-gateway: --config FILE serves, --check FILE validates, --version, --help.
#include "gateway/config/loader.hpp"
#include "gateway/core/log.hpp"
#include "gateway/server/gateway.hpp"
#include "proto_handlers/register_all.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <iostream>
#include <string>
#include <string_view>

namespace {

constexpr int exit_ok = 0;
constexpr int exit_invalid_config = 1;
constexpr int exit_usage = 2;
constexpr int exit_start_failed = 3;

constexpr std::string_view usage =
    "usage: trading-gateway --config FILE   serve with this config\n"
    "       trading-gateway --check FILE    validate the config, print every problem\n"
    "       trading-gateway --version\n"
    "       trading-gateway --help\n"
    "exit codes: 0 ok, 1 invalid config, 2 usage error, 3 could not start (e.g. port in use)\n";

tg::config::LoadResult load(const std::string& path, const tg::handlers::Registry& registry) {
    tg::config::LoadOptions options;
    options.handler_names = registry.names();
    auto result = tg::config::load_file(path, options);
    for (const auto& problem : result.problems) std::cerr << path << ": " << tg::config::to_string(problem) << "\n";
    return result;
}

int serve(const std::string& path, const tg::handlers::Registry& registry) {
    auto loaded = load(path, registry);
    if (!loaded.ok()) return exit_invalid_config;
    try {
        tg::server::Gateway gateway(loaded.config, registry);
        gateway.start();
        boost::asio::io_context signals_io;
        boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code&, int signal) {
            tg::log::info("signal ", signal, ": stopping");
        });
        signals_io.run();
        gateway.stop();
        tg::log::info("stopped");
        return exit_ok;
    } catch (const std::exception& e) {
        tg::log::error("cannot start: ", e.what());
        return exit_start_failed;
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGHUP, SIG_IGN);  // until hot reload exists, a stray SIGHUP must not kill the gateway
    const std::string_view command = argc > 1 ? argv[1] : "";
    if (command == "--help" || command == "-h") {
        std::cout << usage;
        return exit_ok;
    }
    if (command == "--version") {
        std::cout << "trading-gateway " TG_VERSION "\n";
        return exit_ok;
    }
    if ((command == "--config" || command == "--check") && argc == 3) {
        tg::handlers::Registry registry;
        tg::proto_handlers::register_all(registry);
        if (command == "--check") {
            const auto result = load(argv[2], registry);
            if (result.ok()) std::cout << argv[2] << ": ok\n";
            return result.ok() ? exit_ok : exit_invalid_config;
        }
        return serve(argv[2], registry);
    }
    std::cerr << usage;
    return exit_usage;
}
