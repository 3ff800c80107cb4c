// A process-wide part of a handler module, e.g. DXtrade's session store and ping
// scheduler: one instance for all workers, started before the workers accept and
// stopped after them. The admin listener asks it for readiness and metrics and lets
// it answer its own admin paths.
#pragma once

#include "gateway/config/model.hpp"
#include "gateway/handlers/handler.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tg::handlers {

class Service {
public:
    virtual ~Service() = default;

    // Before start(): the process's shared state, started before any module's service and
    // stopped after it. A service that keeps state across replicas holds on to it.
    virtual void use_shared_state(state::SharedState& /*shared_state*/) {}
    // With the config the gateway starts with; throws std::runtime_error (a message
    // fit for the operator, never a secret) to refuse the start.
    virtual void start(const config::Config& config) = 0;
    // Idempotent; after the workers have stopped.
    virtual void stop() = 0;

    // Settings of `next` that differ from the running ones but only apply on restart.
    virtual std::vector<std::string> needs_restart(const config::Config& next) const = 0;
    // Empty when ready, else why not (for /readyz). Cheap and non-blocking.
    virtual std::string not_ready_reason() const = 0;
    // Appends Prometheus exposition text. Cheap and non-blocking.
    virtual void append_metrics(std::string& out) const = 0;
    // The handler for an admin path, or null. The handler is shared by every worker,
    // so it must be thread-safe.
    virtual Handler* admin_handler(std::string_view path) = 0;
};

}  // namespace tg::handlers
