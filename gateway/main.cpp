// trading-gateway: --config FILE serves, --check FILE validates, --version, --help.
#include "gateway/config/loader.hpp"
#include "gateway/core/asio_aliases.hpp"
#include "gateway/core/log.hpp"
#include "gateway/server/gateway.hpp"
#include "proto_handlers/register_all.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <csignal>
#include <iostream>
#include <string>
#include <string_view>

namespace {

using namespace tg;

constexpr int exit_ok = 0;
constexpr int exit_invalid_config = 1;
constexpr int exit_usage = 2;
constexpr int exit_start_failed = 3;

constexpr std::string_view usage =
    "usage: trading-gateway --config FILE   serve with this config\n"
    "       trading-gateway --check FILE    validate the config, print every problem\n"
    "       trading-gateway --version\n"
    "       trading-gateway --help\n"
    "signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the config; SIGUSR1 reopens the access log\n"
    "exit codes: 0 ok, 1 invalid config, 2 usage error, 3 could not start (e.g. port in use)\n";

config::LoadResult load(const std::string& path, const handlers::Registry& registry) {
    config::LoadOptions options;
    options.handler_names = registry.names();
    options.sections = registry.sections();
    auto result = config::load_file(path, options);
    for (const auto& problem : result.problems) std::cerr << path << ": " << config::to_string(problem) << "\n";
    return result;
}

// Runs the gateway until SIGTERM/SIGINT, handling SIGHUP and SIGUSR1 on the way.
class Supervisor {
public:
    Supervisor(std::string path, const handlers::Registry& registry, server::Gateway& gateway)
        : path_(std::move(path)), registry_(registry), gateway_(gateway) {}

    asio::awaitable<void> run() {
        asio::signal_set signals(co_await asio::this_coro::executor, SIGINT, SIGTERM, SIGHUP);
        signals.add(SIGUSR1);
        for (;;) {
            auto [ec, signal] = co_await signals.async_wait(use_tuple);
            if (ec) co_return;
            if (signal == SIGHUP) {
                reload();
            } else if (signal == SIGUSR1) {
                if (auto* access_log = gateway_.shared().access_log.get()) access_log->reopen();
                log::info("SIGUSR1: access log reopened");
            } else {
                log::info(signal == SIGTERM ? "SIGTERM" : "SIGINT", ": draining");
                co_await drain();
                co_return;
            }
        }
    }

private:
    void reload() {
        auto& stats = gateway_.shared().config_stats;
        auto loaded = load(path_, registry_);  // prints each problem with its JSON path
        if (!loaded.ok()) {
            stats.reloads_failed.add();
            log::error("SIGHUP: ", path_, " is invalid (", loaded.problems.size(), " problems); the running config stays");
            return;
        }
        const auto result = gateway_.reload(loaded.config);
        if (!result.applied) {
            stats.reloads_failed.add();
            log::error("SIGHUP: cannot apply ", path_, ": ", result.error, "; the running config stays");
            return;
        }
        for (const auto& setting : result.ignored) log::warn("SIGHUP: ", setting, " changed: needs a restart, not applied");
        stats.reloads_ok.add();
        {
            std::lock_guard lock(stats.mutex);
            stats.loaded_hash = loaded.source_sha256;
        }
        log::info("SIGHUP: reloaded ", path_);
    }

    asio::awaitable<void> drain() {
        const auto& lifecycle = gateway_.config().lifecycle;
        asio::steady_timer timer(co_await asio::this_coro::executor);
        gateway_.begin_drain();
        timer.expires_after(lifecycle.drain_delay);  // load balancers see /readyz fail meanwhile
        co_await timer.async_wait(use_tuple);
        gateway_.stop_accepting();
        const auto deadline = std::chrono::steady_clock::now() + lifecycle.drain_timeout;
        while (gateway_.open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
            timer.expires_after(std::chrono::milliseconds(20));
            co_await timer.async_wait(use_tuple);
        }
        if (const int left = gateway_.open_connections()) log::warn("drain timeout: closing ", left, " connections");
    }

    std::string path_;
    const handlers::Registry& registry_;
    server::Gateway& gateway_;
};

int serve(const std::string& path, const handlers::Registry& registry) {
    auto loaded = load(path, registry);
    if (!loaded.ok()) return exit_invalid_config;
    try {
        server::Gateway gateway(loaded.config, registry);
        gateway.shared().config_stats.loaded_hash = loaded.source_sha256;
        gateway.start();
        asio::io_context signals_io;
        Supervisor supervisor(path, registry, gateway);
        asio::co_spawn(signals_io, supervisor.run(), asio::detached);
        signals_io.run();
        gateway.stop();
        log::info("stopped");
        return exit_ok;
    } catch (const std::exception& e) {
        log::error("cannot start: ", e.what());
        return exit_start_failed;
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
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
        handlers::Registry registry;
        proto_handlers::register_all(registry);
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
