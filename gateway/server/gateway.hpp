// The running gateway: `workers` threads, each with its own io_context, its own
// SO_REUSEPORT acceptor per listener and its own upstream pools.
#pragma once

#include "gateway/config/model.hpp"
#include "gateway/handlers/handler.hpp"
#include "gateway/server/shared_state.hpp"
#include "gateway/server/tls.hpp"
#include "gateway/server/worker.hpp"
#include "gateway/state/shared_state.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tg::server {

struct ReloadResult {
    bool applied = false;
    std::string error;                 // why it was not applied
    std::vector<std::string> ignored;  // settings that need a restart
};

class Gateway {
public:
    // Builds TLS contexts and handlers; throws std::runtime_error with a clear message.
    Gateway(std::shared_ptr<const config::Config> config, const handlers::Registry& registry);
    ~Gateway();

    // Binds every listener (throws naming the listener on failure) and starts the workers.
    void start();
    // Stops at once: ends every connection and joins the worker threads.
    void stop();

    // The bound port of a listener (useful when the config said port 0).
    std::uint16_t port(const std::string& listener_name) const;

    // Switches every worker to `config`; requests in flight finish with the old one.
    ReloadResult reload(std::shared_ptr<const config::Config> config);

    // Draining, in order: /readyz turns 503; then no new connections and no more
    // keep-alive, idle connections closed; open_connections() tells when all are gone.
    void begin_drain();
    void stop_accepting();
    int open_connections() const;

    GatewayShared& shared() { return shared_; }
    const config::Config& config() const { return *runtime_->config; }

private:
    void bind_listener(const config::Listener& listener);

    const handlers::Registry& registry_;
    std::unique_ptr<state::SharedState> shared_state_;  // the modules'; a service, started first
    GatewayShared shared_;  // outlives the workers, which refer to it
    std::shared_ptr<const Runtime> runtime_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::map<std::string, std::uint16_t> bound_ports_;
    std::map<std::string, std::shared_ptr<TlsContextSlot>> tls_slots_;  // by listener name
    bool running_ = false;
};

}  // namespace tg::server
