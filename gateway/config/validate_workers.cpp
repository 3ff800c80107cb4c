#include "gateway/config/validate.hpp"

#include <algorithm>
#include <thread>

namespace tg::config::detail {
namespace {

constexpr std::int64_t max_workers = 1024;

unsigned hardware_workers() {
    return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

unsigned validate_workers(const boost::json::value* workers, Context& context) {
    if (workers == nullptr)
        return hardware_workers();
    const auto count = expect_integer(*workers, "workers", 0, max_workers, context.problems);
    if (!count || *count == 0)
        return hardware_workers();
    return static_cast<unsigned>(*count);
}

ConnectionBalance validate_connection_balance(const boost::json::value* balance, Context& context) {
    if (balance == nullptr)
        return ConnectionBalance::exact;
    const auto choice = expect_choice(*balance, "connection_balance", {"exact", "kernel"}, context.problems);
    return choice == 1u ? ConnectionBalance::kernel : ConnectionBalance::exact;
}

bool validate_worker_cpu_affinity(const boost::json::value* affinity, Context& context) {
    if (affinity == nullptr)
        return false;
    return expect_choice(*affinity, "worker_cpu_affinity", {"off", "auto"}, context.problems) == 1u;
}

}  // namespace tg::config::detail
