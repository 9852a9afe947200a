// The factories of the recurrent group, one file each.
#pragma once

#include <memory>

#include "graph/op_kernel.h"

namespace coreinfer::recurrent {

Result<std::unique_ptr<OpKernel>> make_rnn(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_gru(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_lstm(const OpBuildContext& ctx);

}  // namespace coreinfer::recurrent
