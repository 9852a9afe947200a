// JSON helpers shared by the endpoints.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace coreinfer::server {

// Serialises compactly; invalid UTF-8 in strings becomes U+FFFD, so a response is always valid.
inline std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view s);

// `s` with every ill-formed sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view s);

}  // namespace coreinfer::server
