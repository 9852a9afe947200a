// `coreinfer serve`: binds, loads the models in the background (ready turns true when they
// are in), serves until SIGTERM/SIGINT, then drains: readiness false, new work refused
// with 503, requests in flight finish within the grace period (the rest are cancelled),
// and run() returns 0.
#pragma once

#include "server/config.h"

namespace coreinfer::server {

// Returns the process exit code: 0 after a clean shutdown, 1 if a model failed to load or
// the address could not be bound.
int run_server(const ServeConfig& config);

}  // namespace coreinfer::server
