// Depthwise convolution (one input channel per output channel), one plane per call: a 3x3
// window with stride 1 or 2 runs a register-blocked kernel (AVX-512: 16 outputs per vector;
// NEON: 4), other windows a direct loop the compiler vectorises along the output row. Compiled
// per ISA like the GEMM micro-kernel.
#pragma once

#include <cstdint>

#include "graph/activation.h"
#include "graph/ops/nn/window_geometry.h"

namespace coreinfer::kernels {
struct KernelTable;
}

namespace coreinfer::nn {

// What is applied to each output element in the same pass: y = act(conv + bias + residual).
struct DepthwiseEpilogue {
  float bias = 0.0f;
  const float* residual = nullptr;  // a plane shaped like y, or nullptr
  Activation act;
};

// y (out plane) = epilogue(conv(x (in plane), w (kernel_size weights))).
using DepthwiseFusedFn = void (*)(const WindowGeometry& g, const float* x, const float* w, const DepthwiseEpilogue& e,
                                  float* y);
void depthwise_fused_generic(const WindowGeometry& g, const float* x, const float* w, const DepthwiseEpilogue& e,
                             float* y);
#if defined(__x86_64__)
void depthwise_fused_avx512(const WindowGeometry& g, const float* x, const float* w, const DepthwiseEpilogue& e,
                            float* y);
#endif

// Planes [begin, end) of an [N, C, spatial...] depthwise convolution: plane i is channel
// i % channels of image i / channels, planes in_size / out_size apart. (Splitting each plane's
// rows between threads instead, to follow the column split of the pointwise GEMMs around, was
// measured slower on 2 cores.)
struct DepthwisePlanes {
  const float* x = nullptr;
  const float* w = nullptr;         // [C, kernel_size]
  const float* bias = nullptr;      // [C] or nullptr
  const float* residual = nullptr;  // shaped like y, or nullptr
  float* y = nullptr;
  int64_t channels = 1;             // C
  Activation act;
};
using DepthwisePlanesFn = void (*)(const WindowGeometry& g, const DepthwisePlanes& a, int64_t begin, int64_t end);
void depthwise_planes_generic(const WindowGeometry& g, const DepthwisePlanes& a, int64_t begin, int64_t end);
#if defined(__x86_64__)
void depthwise_planes_avx512(const WindowGeometry& g, const DepthwisePlanes& a, int64_t begin, int64_t end);
#elif defined(__aarch64__)
void depthwise_fused_neon(const WindowGeometry& g, const float* x, const float* w, const DepthwiseEpilogue& e,
                          float* y);
void depthwise_planes_neon(const WindowGeometry& g, const DepthwisePlanes& a, int64_t begin, int64_t end);
#endif
// The best of these the kernel table's level allows.
DepthwisePlanesFn select_depthwise_planes(const kernels::KernelTable& table);

}  // namespace coreinfer::nn
