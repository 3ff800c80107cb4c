// /metrics in the Prometheus text exposition format (version 0.0.4).
#pragma once

#include "gateway/observability/stats.hpp"

#include <string>
#include <vector>

namespace tg::observability {

struct MetricsSources {
    std::vector<const WorkerStats*> workers;
    std::vector<int> worker_connections;  // client connections open, by worker
    ConfigStats* config = nullptr;
    bool draining = false;
};

std::string render_prometheus(const MetricsSources& sources);

// Open file descriptors and resident memory of this process, from /proc.
long open_fd_count();
long resident_memory_bytes();

}  // namespace tg::observability
