// The operators of the fp32 NCHWc chain (written by the use_nchwc_fp32 pass, coreinfer domain):
// NchwcConv; ReorderToNchwc / ReorderFromNchwc ([N, C, H, W] <-> [N, C/16, H, W, 16], C a multiple
// of 16); NchwcMaxPool (MaxPool's attributes, one output); NchwcGlobalAveragePool (NCHWc in,
// [N, C, 1, 1] out: the same bytes in either layout).
#pragma once

#include <memory>

#include "graph/op_kernel.h"

namespace coreinfer::nn {

Result<std::unique_ptr<OpKernel>> make_nchwc_conv(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_reorder_to_nchwc(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_reorder_from_nchwc(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_nchwc_max_pool(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_nchwc_global_average_pool(const OpBuildContext& ctx);

}  // namespace coreinfer::nn
