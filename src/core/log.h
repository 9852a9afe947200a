// The process-wide logger (one of the two globals the guide allows). Lines go to stderr, as
// text ("2026-11-29T14:03:54.123Z info  message") or as one JSON object per line.
#pragma once

#include <string_view>

namespace coreinfer::log {

enum class Level { kDebug = 0, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

void set_level(Level level);
void set_format(Format format);
Level level();
bool enabled(Level level);
// Parses "debug", "info", "warn", "error", "off".
bool parse_level(std::string_view name, Level* out);

void write(Level level, std::string_view message);
inline void debug(std::string_view m) { if (enabled(Level::kDebug)) write(Level::kDebug, m); }
inline void info(std::string_view m) { if (enabled(Level::kInfo)) write(Level::kInfo, m); }
inline void warn(std::string_view m) { if (enabled(Level::kWarn)) write(Level::kWarn, m); }
inline void error(std::string_view m) { if (enabled(Level::kError)) write(Level::kError, m); }

}  // namespace coreinfer::log
