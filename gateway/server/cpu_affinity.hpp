// Pinning worker threads to CPUs ("worker_cpu_affinity": "auto", as nginx's
// `worker_cpu_affinity auto`). Unpinned, the scheduler may leave a worker waiting a
// whole time slice behind another busy thread on its CPU; pinned, each worker keeps a
// CPU of its own. Off by default: on a host shared with other busy processes a pinned
// worker cannot move away from them.
#pragma once

#include <string>
#include <thread>
#include <vector>

namespace tg::server {

// The CPUs this process may run on, in order.
std::vector<int> allowed_cpus();

// Pins `thread` to `cpu`; an empty string, or why it could not.
std::string pin_to_cpu(std::thread& thread, int cpu);

}  // namespace tg::server
