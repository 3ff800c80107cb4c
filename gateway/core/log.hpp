// Line-oriented diagnostic log on stderr: one write(2) per line, so lines from
// several workers never interleave. Callers pass only values that are safe to log:
// never a secret, a token or a cookie.
#pragma once

#include <sstream>
#include <string_view>

namespace tg::log {

enum class Level { debug, info, warn, error };

void set_min_level(Level level);
bool enabled(Level level);
void write(Level level, std::string_view line);

template <class... Parts>
void emit(Level level, const Parts&... parts) {
    if (!enabled(level)) return;
    std::ostringstream line;
    (line << ... << parts);
    write(level, line.view());
}

template <class... Parts> void debug(const Parts&... p) { emit(Level::debug, p...); }
template <class... Parts> void info(const Parts&... p) { emit(Level::info, p...); }
template <class... Parts> void warn(const Parts&... p) { emit(Level::warn, p...); }
template <class... Parts> void error(const Parts&... p) { emit(Level::error, p...); }

}  // namespace tg::log
