// The requantising epilogue of the conv GEMM for one output row, compiled portable
// (conv_gemm.cpp) and with AVX-512 (conv_gemm_avx512vnni.cpp):
//   y[r] = requantize(c[r] + term - wz * pixel_sum[r])   (pixel_sum unused when wz == 0).
#pragma once

#include <cstdint>

#include "graph/ops/quant/quant_util.h"

namespace coreinfer::quant {

using RequantRowFn = void (*)(const int32_t* c, int64_t n, int32_t term, int32_t wz, const int32_t* pixel_sum,
                              const Requant& rq, bool is_signed, void* y);

void requant_row_portable(const int32_t* c, int64_t n, int32_t term, int32_t wz, const int32_t* pixel_sum,
                          const Requant& rq, bool is_signed, void* y);
#if defined(__x86_64__)
void requant_row_avx512(const int32_t* c, int64_t n, int32_t term, int32_t wz, const int32_t* pixel_sum,
                        const Requant& rq, bool is_signed, void* y);
#endif
RequantRowFn best_requant_row();

// Internal linkage: each including file compiles its own copy with its own ISA flags.
namespace {

template <typename YT>
void requant_row_impl(const int32_t* __restrict c, int64_t n, int32_t term, int32_t wz, const int32_t* __restrict pixel_sum,
                      const Requant& rq, YT* __restrict y) {
  const Requant r = rq;  // a local copy: YT* stores may alias anything
  if (wz == 0) {
    for (int64_t i = 0; i < n; ++i) y[i] = static_cast<YT>(requantize(c[i] + term, r));
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = static_cast<YT>(requantize(c[i] + term - wz * pixel_sum[i], r));
  }
}

inline void requant_row_dispatch(const int32_t* c, int64_t n, int32_t term, int32_t wz, const int32_t* pixel_sum,
                                 const Requant& rq, bool is_signed, void* y) {
  if (is_signed) requant_row_impl(c, n, term, wz, pixel_sum, rq, static_cast<int8_t*>(y));
  else requant_row_impl(c, n, term, wz, pixel_sum, rq, static_cast<uint8_t*>(y));
}

}  // namespace
}  // namespace coreinfer::quant
