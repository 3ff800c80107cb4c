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
    const auto* name = expect_string(*balance, "connection_balance", context.problems);
    if (name == nullptr)
        return ConnectionBalance::exact;
    if (*name == "exact")
        return ConnectionBalance::exact;
    if (*name == "kernel")
        return ConnectionBalance::kernel;
    context.problems.push_back(
        {"connection_balance", "expected \"exact\" or \"kernel\", found " + quote(*name)});
    return ConnectionBalance::exact;
}

bool validate_worker_cpu_affinity(const boost::json::value* affinity, Context& context) {
    if (affinity == nullptr)
        return false;
    const auto* name = expect_string(*affinity, "worker_cpu_affinity", context.problems);
    if (name == nullptr || *name == "off")
        return false;
    if (*name == "auto")
        return true;
    context.problems.push_back({"worker_cpu_affinity", "expected \"off\" or \"auto\", found " + quote(*name)});
    return false;
}

}  // namespace tg::config::detail
