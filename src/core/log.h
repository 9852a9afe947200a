// The process-wide logger (one of the two globals the guide allows). Lines go to stderr, as
// text ("2026-11-29T14:03:54.123Z info  message") or as one JSON object per line.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
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

// A named value attached to a line: `key=value` in text, its own member in JSON (numbers stay
// numbers there).
struct Field {
  std::string_view key;
  std::string value;
  bool is_number = false;
};
inline Field field(std::string_view key, std::string_view value) { return {key, std::string(value), false}; }
Field field(std::string_view key, int64_t value);
Field field(std::string_view key, double value);  // printed with one decimal

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});
inline void debug(std::string_view m) { if (enabled(Level::kDebug)) write(Level::kDebug, m); }
inline void info(std::string_view m) { if (enabled(Level::kInfo)) write(Level::kInfo, m); }
inline void info(std::string_view m, std::initializer_list<Field> fields) {
  if (enabled(Level::kInfo)) write(Level::kInfo, m, fields);
}
inline void warn(std::string_view m) { if (enabled(Level::kWarn)) write(Level::kWarn, m); }
inline void error(std::string_view m) { if (enabled(Level::kError)) write(Level::kError, m); }

}  // namespace coreinfer::log
