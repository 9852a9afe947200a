// The OpenAI-compatible endpoints: POST /v1/chat/completions, /v1/completions,
// /v1/embeddings; GET /v1/models, /v1/models/{model}.
#pragma once

#include "server/http/router.h"
#include "server/server_context.h"

namespace coreinfer::server::openai {

void add_routes(http::Router& router, ServerContext& server);

}  // namespace coreinfer::server::openai
