// The convolution GEMM in channels-last (NHWC) orientation: C[p][oc] = sum_k X[p][k] * W[k][oc],
// one row of X per output pixel (the input pixel itself for a pointwise convolution, else its
// gathered window in (kh, kw, c) order), so results land in output pixels without a transpose.
// As in conv_gemm.h activations are uint8 (int8 XOR 0x80) and weights int8, and
//   sum_k (X - xz)(W - wz) = C - wz * pixel_sum - xz * weight_sum + K*xz*wz
// is requantised per output channel into the 8-bit output row.
//
// Layouts (K padded to a multiple of 4, output channels to a multiple of 64, both with zeros):
//   weights  [m_padded / 64][k_padded / 4][64][4]  int8: blocks of 64 output channels, each read
//            front to back (4 zmm of 16 channels x 4 consecutive k per step of K)
//   X row    k_padded bytes (ldx apart)             one 32-bit broadcast per 4 k
// so AVX-512 VNNI's vpdpbusd(acc, broadcast X[p][4q..4q+3], W[q][16 oc][4]) accumulates 16
// output channels of one pixel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "graph/ops/quant/conv_gemm.h"

namespace coreinfer::quant {

inline constexpr int64_t kNhwcChannelVector = 16;
inline constexpr int64_t kNhwcColumnBlock = 64;

struct PackedNhwcWeights {
  int64_t m = 0, k = 0, k_padded = 0, m_padded = 0;
  std::vector<int8_t> w;              // [m_padded / 64][k_padded / 4][64][4]
  std::vector<int32_t> weight_sums;   // per oc: sum_k w (int8 domain)
  std::vector<int32_t> zero_points;   // per oc, int8 domain (m_padded values, zeros past m)
  bool any_zero_point = false;        // some zero point is not 0: pixel sums are needed
};

// Where weight (oc, kk) is in w.
inline size_t nhwc_weight_index(int64_t k_padded, int64_t oc, int64_t kk) {
  return static_cast<size_t>(((oc / kNhwcColumnBlock) * (k_padded / 4) + kk / 4) * kNhwcColumnBlock * 4 +
                             (oc % kNhwcColumnBlock) * 4 + kk % 4);
}

// The NHWC layout of weights packed for conv_gemm.h (same sums and zero points).
PackedNhwcWeights to_nhwc_layout(const PackedConvWeights& p);

// value(oc, k) is the stored weight (uint8 or int8 as int32) of output channel oc at depth k of
// the X row; zero_points has 1 or m values.
template <typename ValueFn>
PackedNhwcWeights pack_nhwc_weights(int64_t m, int64_t k, bool is_signed, ValueFn&& value,
                                    const std::vector<int32_t>& zero_points) {
  return to_nhwc_layout(pack_conv_weights(m, k, is_signed, value, zero_points));
}

// Where and how the 8-bit results of rows [0, rows) go: for oc in [oc_begin, oc_end)
//   y[r * ldy + oc] = clamp(round(float(C[r][oc] + term[oc] - zero_points[oc] * pixel_sum[r])
//                                 * scale[oc]), lo, hi) + zero_point
// (requantize() of quant_util.h with one zero point and range for every channel).
struct NhwcRequantOutput {
  const int32_t* term = nullptr;       // per oc, readable up to m_padded: bias - xz * weight_sum + K * xz * wz
  const float* scale = nullptr;        // per oc, readable up to m_padded
  const int32_t* pixel_sum = nullptr;  // per row: sum of its K stored bytes (uint8 domain); null when no zero point
  int32_t zero_point = 0;
  float lo = 0, hi = 255;  // the output type's range less the zero point
  bool is_signed = false;  // int8 output (else uint8)
  // every scale <= 0.5 and lo/hi the output type's full range less the zero point: |acc * scale|
  // <= 2^30, so clamping by saturating narrowing after the rounding gives the same bytes
  bool small_scales = false;
  uint8_t* y = nullptr;    // row 0, oc 0
  int64_t ldy = 0;
};

// x: rows of k_padded bytes, ldx apart, XOR `flip` applied to every byte read (0x80: int8 input);
// bytes past K in a row must be 0 or meet zero weights (then they add nothing). oc_begin is a
// multiple of 16; oc_end <= m (the channels past it are not written).
using NhwcGemmFn = void (*)(const PackedNhwcWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x,
                            int64_t ldx, int64_t rows, uint8_t flip, const NhwcRequantOutput& out);

void nhwc_gemm_portable(const PackedNhwcWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x, int64_t ldx,
                        int64_t rows, uint8_t flip, const NhwcRequantOutput& out);
#if defined(__x86_64__)
void nhwc_gemm_avx512vnni(const PackedNhwcWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x, int64_t ldx,
                          int64_t rows, uint8_t flip, const NhwcRequantOutput& out);
#endif
// The fast kernel for this CPU, or nullptr where there is none (channels-last convolutions then
// run through the NCHW path).
NhwcGemmFn best_nhwc_gemm();

}  // namespace coreinfer::quant
