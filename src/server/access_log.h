// One line per request through core/log: method, path, model, status, tokens, latency.
#pragma once

#include <string>

#include "server/http/http_types.h"

namespace coreinfer::server {

void log_request(const http::HttpRequest& request, int status, double seconds);

}  // namespace coreinfer::server
