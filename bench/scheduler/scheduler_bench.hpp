// The scheduler bench proper: one tg::dxtrade::Keepalive with N sessions (and N records in a
// MemorySessionStore), pinging the sink; see bench/README.md, "Scheduler bench".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tg::bench {

struct SchedulerOptions {
    std::size_t sessions = 0;
    std::int64_t interval_ms = 0;
    int duration_s = 60;            // the measured window
    int warmup_s = 5;               // after the sessions are added, before the window
    std::uint16_t sink_port = 0;    // the sink on 127.0.0.1
    std::size_t max_in_flight = 64; // keepalive.max_in_flight (the default)
    double jitter = 0.1;            // keepalive.jitter (the default)
    std::size_t add_batch = 1000;   // sessions handed to add() before waiting for the loop to take them
    int max_setup_s = 600;          // give up if adding takes longer
    std::string log_level = "info"; // the gateway's default
    std::string sink_pid;           // optional: also report the sink's CPU over the window
    std::string label;              // free text echoed in the result line
};

// Returns the process exit code: 0, or 1 when the run could not be completed.
int run_scheduler_bench(const SchedulerOptions& options);

}  // namespace tg::bench
