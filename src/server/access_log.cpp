#include "server/access_log.h"

#include <cstdio>

#include "core/log.h"

namespace coreinfer::server {

void log_request(const http::HttpRequest& r, int status, double seconds) {
  if (!log::enabled(log::Level::kInfo)) return;
  char latency[32];
  std::snprintf(latency, sizeof latency, "%.1f", seconds * 1000.0);
  const http::RequestNotes& n = *r.notes;
  std::string line = "request method=" + r.method + " path=" + r.path + " model=" + (n.model.empty() ? "-" : n.model) +
                     " status=" + std::to_string(status) + " prompt_tokens=" + std::to_string(n.prompt_tokens) +
                     " completion_tokens=" + std::to_string(n.completion_tokens) + " latency_ms=" + latency +
                     " remote=" + r.remote;
  log::info(line);
}

}  // namespace coreinfer::server
