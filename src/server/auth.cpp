#include "server/auth.h"

#include <algorithm>

namespace coreinfer::server {

bool constant_time_equals(std::string_view a, std::string_view b) {
  // Walk the longer length so the time does not reveal a common prefix.
  const size_t n = std::max(a.size(), b.size());
  volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

bool ApiKeyAuth::allows(std::string_view header) const {
  if (keys_.empty()) return true;
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size()) return false;
  bool scheme_ok = true;
  for (size_t i = 0; i < kBearer.size(); ++i) {
    const char c = header[i];
    const char want = kBearer[i];
    if ((c | 0x20) != (want | 0x20)) scheme_ok = false;
  }
  if (!scheme_ok) return false;
  const std::string_view token = header.substr(kBearer.size());
  bool ok = false;
  for (const std::string& k : keys_) ok |= constant_time_equals(token, k);
  return ok;
}

}  // namespace coreinfer::server
