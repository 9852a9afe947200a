// The image input of `coreinfer run -m MODEL.onnx --image FILE`: decode, preprocess (flags, with
// the channel count and layout taken from the model's input shape where it gives them).
#pragma once

#include "cli/commands.h"
#include "graph/session.h"

namespace coreinfer::cli {

Result<NamedTensor> image_input(const GraphRunOptions& o, const Session& session);

}  // namespace coreinfer::cli
