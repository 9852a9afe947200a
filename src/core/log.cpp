#include "core/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace coreinfer::log {
namespace {

std::atomic<Level> g_level{Level::kWarn};
std::atomic<Format> g_format{Format::kText};
std::mutex g_mutex;

const char* level_name(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kOff: return "off";
  }
  return "?";
}

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

}  // namespace

void set_level(Level level) { g_level = level; }
void set_format(Format format) { g_format = format; }
Level level() { return g_level; }
bool enabled(Level l) { return l >= g_level.load(std::memory_order_relaxed) && l != Level::kOff; }

bool parse_level(std::string_view name, Level* out) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff}) {
    if (name == level_name(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

Field field(std::string_view key, int64_t value) { return {key, std::to_string(value), true}; }

Field field(std::string_view key, double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  return {key, buf, true};
}

void write(Level l, std::string_view message, std::initializer_list<Field> fields) {
  std::string line;
  if (g_format == Format::kJson) {
    line = "{\"ts\":\"" + timestamp() + "\",\"level\":\"" + level_name(l) + "\",\"msg\":";
    append_json_string(line, message);
    for (const Field& f : fields) {
      line += ',';
      append_json_string(line, f.key);
      line += ':';
      if (f.is_number) line += f.value;
      else append_json_string(line, f.value);
    }
    line += "}\n";
  } else {
    line = timestamp() + " " + level_name(l) + " ";
    line.append(message);
    for (const Field& f : fields) {
      line += ' ';
      line.append(f.key);
      line += '=';
      // Text values with spaces or quotes are quoted so the line still splits into key=value.
      const bool quote = !f.is_number && (f.value.empty() || f.value.find_first_of(" \"=\t\n") != std::string::npos);
      if (quote) append_json_string(line, f.value);
      else line += f.value;
    }
    line += '\n';
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace coreinfer::log
