// Server-sent events framing (text/event-stream): "data: <payload>\n\n".
#pragma once

#include <string>
#include <string_view>

namespace coreinfer::server::http {

inline std::string sse_event(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 8);
  out += "data: ";
  out += data;  // our payloads are single-line JSON
  out += "\n\n";
  return out;
}

// A comment line: ignored by clients, used to find out whether the client is still there.
inline constexpr std::string_view kSseKeepAlive = ": keep-alive\n\n";

}  // namespace coreinfer::server::http
