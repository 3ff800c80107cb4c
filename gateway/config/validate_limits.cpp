#include "gateway/config/validate.hpp"

namespace tg::config::detail {
namespace {

constexpr std::int64_t min_header_bytes = 1024;
constexpr std::int64_t max_header_bytes = 1048576;
// The largest integer a double holds exactly: JSON tools agree on it.
constexpr std::int64_t max_body_bytes = std::int64_t{1} << 53;
constexpr std::int64_t max_request_buffering_bytes = 16 * 1024 * 1024;

}  // namespace

Limits validate_limits(const boost::json::value* limits, Context& context) {
    Limits result;
    if (limits == nullptr)
        return result;
    ObjectReader reader(*limits, "limits",
                        {"header_bytes", "body_bytes", "header_timeout_ms", "idle_timeout_ms",
                         "underscores_in_headers", "allow_trace", "request_buffering_bytes", "body_timeout_ms"},
                        context.problems);
    std::int64_t bytes = 0;
    if (reader.read_integer("header_bytes", min_header_bytes, max_header_bytes, bytes))
        result.header_bytes = static_cast<std::size_t>(bytes);
    if (reader.read_integer("body_bytes", 0, max_body_bytes, bytes))
        result.body_bytes = static_cast<std::uint64_t>(bytes);
    reader.read_millis("header_timeout_ms", result.header_timeout);
    reader.read_millis("idle_timeout_ms", result.idle_timeout);
    if (const auto* underscores = reader.find("underscores_in_headers")) {
        if (const auto choice = expect_choice(*underscores, reader.path_of("underscores_in_headers"),
                                              {"drop", "pass", "refuse"}, context.problems)) {
            result.underscores_in_headers = static_cast<UnderscoreHeaders>(*choice);
        }
    }
    reader.read_bool("allow_trace", result.allow_trace);
    if (reader.read_integer("request_buffering_bytes", 0, max_request_buffering_bytes, bytes))
        result.request_buffering_bytes = static_cast<std::uint64_t>(bytes);
    reader.read_millis("body_timeout_ms", result.body_timeout);
    return result;
}

}  // namespace tg::config::detail
