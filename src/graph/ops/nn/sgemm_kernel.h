// The fp32 GEMM micro-kernel, written once over a vector "traits" type and compiled per ISA
// (sgemm_kernel_generic.cpp, _avx2.cpp, _avx512.cpp; _neon.cpp is written out by hand, with
// fmla by element). It computes an MR x NR tile of C from a packed A panel (k steps of MR
// values) and a packed B panel (k steps of NR values): outer products held in MR * NR / lanes
// vector accumulators.
#pragma once

#include <cstdint>

#include "graph/activation.h"

namespace coreinfer::nn {

// Applied to a finished tile while it is still in registers: C[r][j] += row_bias[r] +
// residual[r * ldr + j], then max(0, C) when relu (a NaN stays NaN, as in the Relu op), or min(max(C, lo), hi) when
// clamp (Clip / Relu6: a NaN stays NaN, as in bias_act). Null pointers are skipped. cols in (0, NR):
// only the first cols columns of C (and of residual) are read and written, in kernels whose
// GemmKernel::partial_cols is set (a narrow last column tile, e.g. 49 = 32 + 17 at 7x7).
struct TileEpilogue {
  const float* row_bias = nullptr;
  const float* residual = nullptr;
  int64_t ldr = 0;
  bool relu = false;
  bool clamp = false;
  float lo = 0, hi = 0;
  int cols = 0;
};

// Kernel signature: C[r * ldc + j] (+)= sum_p a[p * MR + r] * b[p * NR + j], then `epi` if set.
using MicroKernelFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
                               const TileEpilogue* epi);

// x[i] = act(x[i] + bias + col_bias[i]) (col_bias may be null): the epilogue at the same ISA.
using BiasActFn = void (*)(float* x, int64_t n, float bias, const float* col_bias, const Activation& act);

struct GemmKernel {
  int mr = 0, nr = 0;
  MicroKernelFn fn = nullptr;
  const char* name = "";
  BiasActFn bias_act = nullptr;
  bool partial_cols = false;  // honours TileEpilogue::cols
  // Optional: the same tile for at most narrow_cols columns (TileEpilogue::cols set), reading
  // the same nr-wide B panels at a fraction of the work (196 = 6 x 32 + 4 at 14x14).
  MicroKernelFn narrow_fn = nullptr;
  int narrow_cols = 0;
  // Optional: tiles of the first r = 1..4 rows of an mr-row A panel (index r - 1), so that a
  // GEMM with few rows (a Linear layer at batch 1: M = 1) does not compute mr rows of padding.
  MicroKernelFn few_rows[4] = {};
};

// Traits: V (vector type), kLanes, load(const float*), store(float*, V), splat(float), fma(a, b, c),
// max(a, b), min(a, b) (both return b when it is NaN); optional: load_n / store_n (the first n lanes; n may be <= 0 or >= kLanes) for
// TileEpilogue::cols, kPrefetchA (floats ahead of the A panel to prefetch). kBStride: floats
// between B's depth steps (a panel wider than the tile's NV vectors); kAStride: floats between
// A's depth steps (the first MR rows of a wider panel).
template <typename T, int MR, int NV, int kBStride = NV * T::kLanes, int kAStride = MR, int kPrefetchB = 0>
void micro_kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
                  const TileEpilogue* epi) {
  using V = typename T::V;
  constexpr int NR = NV * T::kLanes;
  constexpr bool kPartial = requires(const float* p, float* q, V x) {
    T::load_n(p, 0);
    T::store_n(q, x, 0);
  };
  int cols = NR;
  if constexpr (kPartial) cols = epi != nullptr && epi->cols > 0 ? epi->cols : NR;
  // C and residual: whole vectors, or the first `cols` columns.
  auto load_c = [cols](const float* p, int v) -> V {
    if constexpr (kPartial)
      if (cols < NR) return T::load_n(p, cols - v * T::kLanes);
    return T::load(p);
  };
  auto store_c = [cols](float* p, V x, int v) {
    if constexpr (kPartial)
      if (cols < NR) return T::store_n(p, x, cols - v * T::kLanes);
    T::store(p, x);
  };
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = T::splat(0.0f);
  for (int64_t p = 0; p < kc; ++p) {
    // A (the weights, streamed from memory at small N) is fetched ahead of use; its depth blocks
    // are stored back to back, so past the end of this panel lies the next one.
    if constexpr (requires { T::kPrefetchA; }) __builtin_prefetch(a + T::kPrefetchA);
    if constexpr (kPrefetchB > 0) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) __builtin_prefetch(b + kPrefetchB + v * T::kLanes);
    }
    V bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = T::load(b + v * T::kLanes);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const V av = T::splat(a[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = T::fma(av, bv[v], acc[r][v]);
    }
    a += kAStride;
    b += kBStride;
  }
  if (accumulate) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = acc[r][v] + load_c(c + r * ldc + v * T::kLanes, v);
  }
  if (epi != nullptr) {
    if (epi->row_bias) {
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const V bias = T::splat(epi->row_bias[r]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = acc[r][v] + bias;
      }
    }
    if (epi->residual) {
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = acc[r][v] + load_c(epi->residual + r * epi->ldr + v * T::kLanes, v);
    }
    if (epi->relu) {
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = T::max(T::splat(0.0f), acc[r][v]);
    }
    if (epi->clamp) {
      const V lo = T::splat(epi->lo), hi = T::splat(epi->hi);
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = T::min(hi, T::max(lo, acc[r][v]));
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) store_c(c + r * ldc + v * T::kLanes, acc[r][v], v);
}

// GemmKernel::few_rows for panels of kPanelRows rows.
// With so few rows B (the weights, at batch 1) is read far faster than it is used: it is fetched
// 4 KB ahead.
template <typename T, int NV, int kPanelRows>
void set_few_rows(GemmKernel& g) {
  constexpr int kB = NV * T::kLanes, kAhead = 1024;
  g.few_rows[0] = micro_kernel<T, 1, NV, kB, kPanelRows, kAhead>;
  g.few_rows[1] = micro_kernel<T, 2, NV, kB, kPanelRows, kAhead>;
  g.few_rows[2] = micro_kernel<T, 3, NV, kB, kPanelRows, kAhead>;
  g.few_rows[3] = micro_kernel<T, 4, NV, kB, kPanelRows, kAhead>;
}

GemmKernel gemm_kernel_generic();
#if defined(__x86_64__)
GemmKernel gemm_kernel_avx2();
GemmKernel gemm_kernel_avx512();
#elif defined(__aarch64__)
GemmKernel gemm_kernel_neon();
#endif

}  // namespace coreinfer::nn
