// The convolution GEMM in NCHW orientation: C[oc][p] = sum_k W[oc][k] * X[k][p] over a block of
// output pixels p, so results land in output rows without a transpose. As in int8_gemm.h,
// activations are uint8 and weights int8 (shifted when stored otherwise), the zero points are
// corrected afterwards:  sum_k (X - xz)(W - wz) = C - wz * pixel_sum - xz * weight_sum + K*xz*wz.
//
// Layouts (K padded to a multiple of 4 with zeros):
//   weights  [oc][k_padded]                  int8; 4 consecutive k are one 32-bit broadcast
//   X block  [k_padded / 4][pixels][4]       uint8; pixels a multiple of 16 (one zmm)
// so AVX-512 VNNI's vpdpbusd(acc, X[q][16 pixels][4], broadcast W[oc][4q..4q+3]) accumulates
// 16 pixels of one output channel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace coreinfer::quant {

struct Requant;  // quant_util.h

inline constexpr int64_t kConvPixelVector = 16;

struct PackedConvWeights {
  int64_t m = 0, k = 0, k_padded = 0;
  std::vector<int8_t> w;              // [m][k_padded]
  std::vector<int32_t> weight_sums;   // per oc: sum_k w (int8 domain)
  std::vector<int32_t> zero_points;   // per oc, int8 domain
  bool any_zero_point = false;        // some zero point is not 0: pixel sums are needed
};

// value(oc, k) is the stored weight (uint8 or int8 as int32); zero_points has 1 or m values.
template <typename ValueFn>
PackedConvWeights pack_conv_weights(int64_t m, int64_t k, bool is_signed, ValueFn&& value,
                                    const std::vector<int32_t>& zero_points) {
  PackedConvWeights p;
  p.m = m;
  p.k = k;
  p.k_padded = (k + 3) / 4 * 4;
  p.w.assign(static_cast<size_t>(m * p.k_padded), 0);
  p.weight_sums.assign(static_cast<size_t>(m), 0);
  p.zero_points.assign(static_cast<size_t>(m), 0);
  const int32_t shift = is_signed ? 0 : 128;
  for (int64_t oc = 0; oc < m; ++oc) {
    int32_t sum = 0;
    for (int64_t kk = 0; kk < k; ++kk) {
      const int32_t v = value(oc, kk) - shift;
      p.w[oc * p.k_padded + kk] = static_cast<int8_t>(v);
      sum += v;
    }
    p.weight_sums[oc] = sum;
    const int32_t zp = zero_points.empty() ? 0 : zero_points[zero_points.size() == 1 ? 0 : oc];
    p.zero_points[oc] = zp - shift;
    if (p.zero_points[oc] != 0) p.any_zero_point = true;
  }
  return p;
}

// C[oc][p] (ldc = pixels) for oc in [oc_begin, oc_end) and p < pixels (a multiple of 16).
using ConvGemmFn = void (*)(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x,
                            int64_t pixels, int32_t* c);

void conv_gemm_portable(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x, int64_t pixels,
                        int32_t* c);
#if defined(__x86_64__)
void conv_gemm_avx512vnni(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x,
                          int64_t pixels, int32_t* c);
#elif defined(__aarch64__)
void conv_gemm_dotprod(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x,
                       int64_t pixels, int32_t* c);
void conv_gemm_i8mm(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x, int64_t pixels,
                    int32_t* c);
#endif
ConvGemmFn best_conv_gemm();

// The requantising epilogue fused into the GEMM (8-bit outputs), for oc in [oc_begin, oc_end) and
// r < rows:  y[oc * ldy + r] = requantize(C[oc][r] + term[oc] - w.zero_points[oc] * pixel_sum[r],
// requant[oc])  (pixel_sum is null when w.any_zero_point is false). Bytes of y past `rows` in a
// row are not touched.
struct ConvRequantOutput {
  const int32_t* term = nullptr;       // per oc: bias - xz * weight_sum + K * xz * wz
  const int32_t* pixel_sum = nullptr;  // per pixel of the block, readable up to rows rounded up to 16
  const Requant* requant = nullptr;    // per oc
  uint8_t* y = nullptr;                // oc 0, pixel 0 of the block
  int64_t ldy = 0, rows = 0;
  bool is_signed = false;  // int8 output (else uint8)
  // every requant[oc].scale <= 0.5 and lo/hi the output type's range less the zero point (as
  // make_requant sets them): |acc * scale| <= 2^30, so rounding before the clamp and clamping by
  // the saturating narrowing give the same bytes
  bool small_scales = false;
};
using ConvGemmRequantFn = void (*)(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x,
                                   int64_t pixels, const ConvRequantOutput& out);

// conv_gemm_portable then requant_row_portable, row by row: the reference of the fused kernels.
void conv_gemm_requant_portable(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x,
                                int64_t pixels, const ConvRequantOutput& out);
#if defined(__x86_64__)
void conv_gemm_requant_avx512vnni(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x,
                                  int64_t pixels, const ConvRequantOutput& out);
#endif
// A fused kernel for this CPU, or nullptr (then best_conv_gemm() and the row epilogue are used).
ConvGemmRequantFn best_conv_gemm_requant();

// One K quad of the X block: dst[r] = src[0][r] | src[1][r] << 8 | src[2][r] << 16 | src[3][r] << 24
// for r < rows, each byte of a real row XOR `flip` (0x80 turns int8 into the uint8 domain); a null
// row gives zero bytes (padded K, whose weights are 0 and which pixel sums must not count);
// dst[r] = 0 for rows <= r < pixels.
using PackQuadFn = void (*)(const uint8_t* const* src, int64_t rows, int64_t pixels, uint8_t flip, uint32_t* dst);

void pack_quad_portable(const uint8_t* const* src, int64_t rows, int64_t pixels, uint8_t flip, uint32_t* dst);
#if defined(__x86_64__)
void pack_quad_avx512(const uint8_t* const* src, int64_t rows, int64_t pixels, uint8_t flip, uint32_t* dst);
#endif
PackQuadFn best_pack_quad();

// dst[i] = src[2 * i] for i < n (the input columns of a stride-2 convolution); reads src[0 .. 2n-2].
using GatherEvenFn = void (*)(const uint8_t* src, int64_t n, uint8_t* dst);

void gather_even_portable(const uint8_t* src, int64_t n, uint8_t* dst);
#if defined(__x86_64__)
void gather_even_avx512(const uint8_t* src, int64_t n, uint8_t* dst);
#endif
GatherEvenFn best_gather_even();

}  // namespace coreinfer::quant
