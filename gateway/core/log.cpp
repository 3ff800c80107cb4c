#include "gateway/core/log.hpp"

#include "gateway/core/time_format.hpp"

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

}  // namespace

void set_min_level(Level level) { min_level.store(level, std::memory_order_relaxed); }

bool enabled(Level level) { return level >= min_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message) {
    std::string line = rfc3339_millis(std::chrono::system_clock::now());
    line += ' ';
    line += level_name(level);
    line += ' ';
    line += message;
    line += '\n';
    // A short write to stderr is not worth retrying: the line is diagnostic only.
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace tg::log
