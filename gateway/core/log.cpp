#include "gateway/core/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <string>

namespace tg::log {
namespace {

std::atomic<Level> min_level{Level::info};

const char* level_name(Level level) {
    switch (level) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warn: return "warn";
        case Level::error: return "error";
    }
    return "?";
}

std::string utc_timestamp() {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    const std::time_t t = system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[40];
    const auto n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(ms));
    return text;
}

}  // namespace

void set_min_level(Level level) { min_level.store(level, std::memory_order_relaxed); }

bool enabled(Level level) { return level >= min_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message) {
    std::string line = utc_timestamp();
    line += ' ';
    line += level_name(level);
    line += ' ';
    line += message;
    line += '\n';
    // A short write to stderr is not worth retrying: the line is diagnostic only.
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace tg::log
