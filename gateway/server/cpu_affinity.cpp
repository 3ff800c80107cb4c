#include "gateway/server/cpu_affinity.hpp"

#include <pthread.h>
#include <sched.h>

#include <cstring>

namespace tg::server {

std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
    return cpus;
}

std::string pin_to_cpu(std::thread& thread, int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    const int error = pthread_setaffinity_np(thread.native_handle(), sizeof set, &set);
    return error == 0 ? std::string() : std::strerror(error);
}

}  // namespace tg::server
