#include "bench/scheduler/proc.hpp"

#include <malloc.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace tg::bench {

std::optional<std::uint64_t> cpu_ticks(const std::string& pid) {
    std::ifstream file("/proc/" + pid + "/stat");
    std::string line;
    if (!std::getline(file, line)) return std::nullopt;
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream rest(line.substr(close + 1));
    std::vector<std::string> fields;  // fields[0] is field 3 (state)
    std::string field;
    while (fields.size() < 13 && rest >> field) fields.push_back(field);
    if (fields.size() < 13) return std::nullopt;
    try {
        return std::stoull(fields[11]) + std::stoull(fields[12]);  // fields 14 (utime) and 15 (stime)
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

double ticks_per_second() { return static_cast<double>(::sysconf(_SC_CLK_TCK)); }

MachineCpu machine_cpu() {
    std::ifstream file("/proc/stat");
    std::string label;
    MachineCpu cpu;
    if (!(file >> label) || label != "cpu") return cpu;
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    for (int i = 0; i < 8; ++i) {
        std::uint64_t value = 0;
        if (!(file >> value)) break;
        cpu.total += value;
        if (i != 3 && i != 4) cpu.busy += value;
    }
    return cpu;
}

std::uint64_t heap_in_use() {
    const auto info = ::mallinfo2();
    return static_cast<std::uint64_t>(info.uordblks) + static_cast<std::uint64_t>(info.hblkhd);
}

}  // namespace tg::bench
