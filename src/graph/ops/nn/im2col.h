// im2col straight into packed GEMM panels: column n of the virtual matrix is output position n,
// row p is (input channel, kernel offset); padding reads as zero.
#pragma once

#include <cstdint>

#include "graph/ops/nn/window_geometry.h"

namespace coreinfer::kernels {
struct KernelTable;
}  // namespace coreinfer::kernels

namespace coreinfer::nn {

// Packs rows [k0, k0 + kc) x columns [n0, n0 + nc) of the virtual matrix over a batch into
// nr-wide panels (kc x nr each, zero past nc): column n is output position n % out_size of
// image n / out_size, whose first input channel is image_stride floats after the previous
// image's; x is the group's first input channel of the first image.
using Im2colPackFn = void (*)(const float* x, int64_t image_stride, const WindowGeometry& g, int nr, int64_t k0,
                              int64_t kc, int64_t n0, int64_t nc, float* dst);

// The reference build (baseline ISA) and, on x86, the same code built for AVX-512.
void pack_im2col_batched(const float* x, int64_t image_stride, const WindowGeometry& g, int nr, int64_t k0,
                         int64_t kc, int64_t n0, int64_t nc, float* dst);
#if defined(__x86_64__)
void pack_im2col_batched_avx512(const float* x, int64_t image_stride, const WindowGeometry& g, int nr, int64_t k0,
                                int64_t kc, int64_t n0, int64_t nc, float* dst);
#endif

Im2colPackFn select_im2col_packer(const kernels::KernelTable& table);

}  // namespace coreinfer::nn
