#include "server/access_log.h"

#include "core/log.h"

namespace coreinfer::server {

void log_request(const http::HttpRequest& r, int status, double seconds) {
  if (!log::enabled(log::Level::kInfo)) return;
  const http::RequestNotes& n = *r.notes;
  log::info("request", {log::field("method", r.method), log::field("path", r.path),
                        log::field("model", n.model.empty() ? "-" : n.model), log::field("status", int64_t{status}),
                        log::field("prompt_tokens", static_cast<int64_t>(n.prompt_tokens)),
                        log::field("completion_tokens", static_cast<int64_t>(n.completion_tokens)),
                        log::field("latency_ms", seconds * 1000.0), log::field("remote", r.remote)});
}

}  // namespace coreinfer::server
