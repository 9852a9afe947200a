// KServe v2 inference and metadata for tensor (ONNX) models.
#pragma once

#include <nlohmann/json.hpp>

#include "server/http/http_types.h"
#include "server/server_context.h"

namespace coreinfer::server::kserve {

nlohmann::json tensor_model_metadata(const TensorEngine& e);
// POST /v2/models/{m}/infer for a tensor model. `header_length` is the
// Inference-Header-Content-Length value (-1 when absent).
http::HttpResponse infer_tensor_model(ServerContext& server, TensorEngine& e, http::HttpRequest& req,
                                      int64_t header_length);

}  // namespace coreinfer::server::kserve
