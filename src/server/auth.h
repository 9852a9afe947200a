// Optional bearer-token authentication: "Authorization: Bearer <key>" compared in constant
// time against each configured key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coreinfer::server {

class ApiKeyAuth {
 public:
  explicit ApiKeyAuth(std::vector<std::string> keys) : keys_(std::move(keys)) {}
  bool enabled() const { return !keys_.empty(); }
  // True when auth is off or the header carries one of the keys.
  bool allows(std::string_view authorization_header) const;

 private:
  std::vector<std::string> keys_;
};

// Compares without data-dependent early exit (the time depends only on the lengths).
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace coreinfer::server
