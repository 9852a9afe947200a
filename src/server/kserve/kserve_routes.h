// The KServe v2 / Triton REST protocol: GET /v2, /v2/health/live, /v2/health/ready,
// /v2/models/{model}, /v2/models/{model}/ready; POST /v2/models/{model}/infer. An LLM is
// served as a text model: BYTES input "text_input" [1], BYTES output "text_output" [1],
// generation settings in "parameters". Errors are {"error": "..."}.
#pragma once

#include "server/http/router.h"
#include "server/server_context.h"

namespace coreinfer::server::kserve {

void add_routes(http::Router& router, ServerContext& server);

}  // namespace coreinfer::server::kserve
