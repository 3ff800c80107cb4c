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

}  // namespace tg::config::detail
