#include "gateway/config/validate.hpp"

#include "gateway/config/files.hpp"

namespace tg::config::detail {

Lifecycle validate_lifecycle(const boost::json::value* lifecycle, Context& context) {
    Lifecycle result;
    if (lifecycle == nullptr)
        return result;
    ObjectReader reader(*lifecycle, "lifecycle", {"drain_delay_ms", "drain_timeout_ms"}, context.problems);
    std::int64_t delay = 0;
    // Zero is a valid delay: stop accepting at once.
    if (reader.read_integer("drain_delay_ms", 0, max_duration_ms, delay))
        result.drain_delay = std::chrono::milliseconds(delay);
    reader.read_millis("drain_timeout_ms", result.drain_timeout);
    return result;
}

AccessLog validate_access_log(const boost::json::value* access_log, Context& context) {
    AccessLog result;
    if (access_log == nullptr)
        return result;
    ObjectReader reader(*access_log, "access_log", {"path"}, context.problems);
    if (reader.read_string("path", result.path, Presence::required) && result.path.empty())
        reader.report("path", "expected \"stdout\" or a file path");
    if (!result.path.empty() && result.path != "stdout")
        result.path = resolve_path(context.base_dir, result.path).string();
    return result;
}

}  // namespace tg::config::detail
