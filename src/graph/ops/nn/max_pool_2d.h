// MaxPool's fast path: one (image, channel) plane of a 1-D/2-D window with dilation 1, without
// Indices. Taps fold in the generic path's order with its rule (a later tap wins only if strictly
// greater), so the results are bit for bit the same.
#pragma once

#include "graph/ops/nn/window_geometry.h"

namespace coreinfer::kernels {
struct KernelTable;
}  // namespace coreinfer::kernels

namespace coreinfer::nn {

using MaxPoolPlaneFn = void (*)(const WindowGeometry& g, const float* x, float* y);

// The baseline build and, on x86, the same code built for AVX-512 (wide strided folds).
void max_pool_plane_2d(const WindowGeometry& g, const float* x, float* y);
#if defined(__x86_64__)
void max_pool_plane_2d_avx512(const WindowGeometry& g, const float* x, float* y);
#endif

MaxPoolPlaneFn select_max_pool_plane(const kernels::KernelTable& table);

}  // namespace coreinfer::nn
