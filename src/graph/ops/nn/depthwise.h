// Depthwise convolution (one input channel per output channel): a direct loop per plane that
// the compiler vectorises along the output row. Compiled per ISA like the GEMM micro-kernel.
#pragma once

#include <cstdint>

#include "graph/ops/nn/window_geometry.h"

namespace coreinfer::nn {

// y (out plane) = conv(x (in plane), w (kernel_size weights)) + bias. Activation is not applied.
using DepthwisePlaneFn = void (*)(const WindowGeometry& g, const float* x, const float* w, float bias, float* y);

void depthwise_plane_generic(const WindowGeometry& g, const float* x, const float* w, float bias, float* y);
#if defined(__x86_64__)
void depthwise_plane_avx512(const WindowGeometry& g, const float* x, const float* w, float bias, float* y);
#endif

}  // namespace coreinfer::nn
