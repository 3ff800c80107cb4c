// What the scheduler bench reads about processes and the machine (RSS comes from
// observability::resident_memory_bytes): CPU time (utime + stime) and the machine's busy time, all from /proc; and glibc's heap in use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tg::bench {

// utime + stime in clock ticks of /proc/<pid>/stat ("self" for this process); nullopt if
// the process is gone or the file cannot be read.
std::optional<std::uint64_t> cpu_ticks(const std::string& pid = "self");
double ticks_per_second();

// The whole machine, from the "cpu" line of /proc/stat, in clock ticks.
struct MachineCpu {
    std::uint64_t busy = 0;   // everything but idle and iowait
    std::uint64_t total = 0;
};
MachineCpu machine_cpu();

// Bytes the allocator has handed out and not had back (mallinfo2: arenas + mmapped chunks).
std::uint64_t heap_in_use();

}  // namespace tg::bench
