// The operators of the fp32 NCHWc chain (written by the use_nchwc_fp32 pass, coreinfer domain):
// NchwcConv; ReorderToNchwc / ReorderFromNchwc ([N, C, H, W] <-> [N, C/16, H, W, 16], C a multiple
// of 16); NchwcMaxPool (MaxPool's attributes, one output); NchwcGlobalAveragePool (NCHWc in,
// [N, C, 1, 1] out: the same bytes in either layout).
#pragma once

#include <memory>

#include "graph/op_kernel.h"
#include "graph/ops/nn/window_geometry.h"

namespace coreinfer::nn {

Result<std::unique_ptr<OpKernel>> make_nchwc_conv(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_reorder_to_nchwc(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_reorder_from_nchwc(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_nchwc_max_pool(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_nchwc_global_average_pool(const OpBuildContext& ctx);


// NchwcMaxPool's loop over output rows [begin, end) of all blocked planes (nchwc_pool_impl.h),
// the baseline build and the AVX-512 one.
using NchwcMaxPoolRowsFn = void (*)(const WindowGeometry& g, const float* x, float* y, int64_t begin, int64_t end);
void nchwc_max_pool_rows(const WindowGeometry& g, const float* x, float* y, int64_t begin, int64_t end);
#if defined(__x86_64__)
void nchwc_max_pool_rows_avx512(const WindowGeometry& g, const float* x, float* y, int64_t begin, int64_t end);
#endif

}  // namespace coreinfer::nn
