// State shared by all workers: the lifecycle flags, process-wide statistics and the
// access log writer. Reached from the request path only through atomics.
#pragma once

#include "gateway/observability/access_log.hpp"
#include "gateway/observability/stats.hpp"

#include "gateway/server/rate_limiter.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace tg::handlers {
class Service;
}
namespace tg::state {
class SharedState;
}

namespace tg::server {

class Worker;

struct GatewayShared {
    // /readyz answers 503 from the first SIGTERM on.
    std::atomic<bool> draining{false};
    // After the drain delay: no new connections, no more keep-alive.
    std::atomic<bool> closing{false};
    observability::ConfigStats config_stats;
    std::unique_ptr<observability::AccessLogWriter> access_log;  // null when the log is off
    std::vector<Worker*> workers;                                // fixed once started
    std::vector<handlers::Service*> services;                    // the shared state, then the registry's; fixed
    state::SharedState* shared_state = nullptr;                  // the modules' (gateway/state/); fixed
    RateLimiter rate_limiter;                                    // the routes' buckets, across reloads

    std::string render_metrics() const;
};

}  // namespace tg::server
