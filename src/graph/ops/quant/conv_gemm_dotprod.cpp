// Armv8.2 dotprod kernel of conv_gemm.h: tiles of up to 5 output channels x 16 pixels (6 spill
// with GCC 12). sdot (signed only) takes the uint8 pixels flipped into int8 (x ^ 0x80 = x - 128);
// the product is restored with the weight sums, sum_k x * w = sum_k (x - 128) * w +
// 128 * weight_sum, by starting the accumulators there. Bit-exact with conv_gemm_portable.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>

#include "graph/ops/quant/conv_gemm.h"

namespace coreinfer::quant {
namespace {

template <int MR>
void tile(const PackedConvWeights& w, int64_t oc, const uint8_t* x, int64_t pixels, int32_t* c) {
  const int64_t kp = w.k_padded, k4 = kp / 4;
  const int8_t* wr = w.w.data() + oc * kp;
  int32x4_t acc[MR][4];
  for (int r = 0; r < MR; ++r) {
    const int32x4_t start = vdupq_n_s32(static_cast<int32_t>(static_cast<uint32_t>(w.weight_sums[oc + r]) << 7));
    for (int v = 0; v < 4; ++v) acc[r][v] = start;
  }
  const uint8x16_t flip = vdupq_n_u8(0x80);
  for (int64_t q = 0; q < k4; ++q) {
    const uint8_t* xq = x + q * pixels * 4;
    int8x16_t xv[4];
    for (int v = 0; v < 4; ++v) xv[v] = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(xq + 16 * v), flip));
    for (int r = 0; r < MR; ++r) {
      int32_t word;
      std::memcpy(&word, wr + r * kp + 4 * q, 4);
      const int8x16_t wv = vreinterpretq_s8_s32(vdupq_n_s32(word));
      for (int v = 0; v < 4; ++v) acc[r][v] = vdotq_s32(acc[r][v], xv[v], wv);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < 4; ++v) vst1q_s32(c + (oc + r) * pixels + 4 * v, acc[r][v]);
}

}  // namespace

void conv_gemm_dotprod(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x,
                       int64_t pixels, int32_t* c) {
  for (int64_t p = 0; p < pixels; p += kConvPixelVector) {
    int64_t oc = oc_begin;
    for (; oc + 5 <= oc_end; oc += 5) tile<5>(w, oc, x + p * 4, pixels, c + p);
    switch (oc_end - oc) {
      case 4: tile<4>(w, oc, x + p * 4, pixels, c + p); break;
      case 3: tile<3>(w, oc, x + p * 4, pixels, c + p); break;
      case 2: tile<2>(w, oc, x + p * 4, pixels, c + p); break;
      case 1: tile<1>(w, oc, x + p * 4, pixels, c + p); break;
      default: break;
    }
  }
}

}  // namespace coreinfer::quant
#endif
