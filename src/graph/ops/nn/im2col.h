// im2col straight into packed GEMM panels: column n of the virtual matrix is output position n,
// row p is (input channel, kernel offset); padding reads as zero.
#pragma once

#include <cstdint>

#include "graph/ops/nn/window_geometry.h"

namespace coreinfer::nn {

// x: the group's first input channel of one image ([channels][in_size]); see PackBlockFn.
void pack_im2col_block(const float* x, const WindowGeometry& g, int nr, int64_t k0, int64_t kc, int64_t n0,
                       int64_t nc, float* dst);
// The same over a batch: column n is output position n % out_size of image n / out_size, whose
// first input channel is image_stride floats after the previous image's.
void pack_im2col_batched(const float* x, int64_t image_stride, const WindowGeometry& g, int nr, int64_t k0,
                         int64_t kc, int64_t n0, int64_t nc, float* dst);

}  // namespace coreinfer::nn
