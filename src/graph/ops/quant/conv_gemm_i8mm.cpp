// Armv8.6 i8mm kernel of conv_gemm.h: usmmla multiplies a 2 x 8 uint8 block (2 pixels x 8 k)
// by an 8 x 2 int8 block (8 k x 2 output channels) into a 2 x 2 int32 tile, 32 multiply-adds
// per instruction, uint8 pixels as they are. The X block holds 4 k per pixel ([k/4][pixels][4]);
// two consecutive quads zipped as 32-bit words give 8 consecutive k of 2 pixels. Tiles of up to
// 6 output channels (3 pairs) x 16 pixels; bit-exact with conv_gemm_portable.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <algorithm>
#include <cstring>

#include "graph/ops/quant/conv_gemm.h"

namespace coreinfer::quant {
namespace {

// Output channels oc .. oc + n_oc - 1 (n_oc <= 2 * OP; an odd last one is computed twice and
// stored once) for 16 pixels.
template <int OP>
void tile(const PackedConvWeights& w, int64_t oc, int n_oc, const uint8_t* x, int64_t pixels, int32_t* c) {
  const int64_t kp = w.k_padded, k4 = kp / 4;
  const int8_t* wr[2 * OP];
  for (int r = 0; r < 2 * OP; ++r) wr[r] = w.w.data() + (oc + std::min(r, n_oc - 1)) * kp;
  int32x4_t acc[OP][8];
  for (int r = 0; r < OP; ++r)
    for (int v = 0; v < 8; ++v) acc[r][v] = vdupq_n_s32(0);
  int64_t q = 0;
  for (; q + 2 <= k4; q += 2) {
    int8x16_t wv[OP];
    for (int r = 0; r < OP; ++r) wv[r] = vcombine_s8(vld1_s8(wr[2 * r] + 4 * q), vld1_s8(wr[2 * r + 1] + 4 * q));
    const uint8_t* xq = x + q * pixels * 4;
    for (int g = 0; g < 4; ++g) {  // pixels 4g .. 4g+3
      const uint32x4_t lo = vreinterpretq_u32_u8(vld1q_u8(xq + 16 * g));
      const uint32x4_t hi = vreinterpretq_u32_u8(vld1q_u8(xq + pixels * 4 + 16 * g));
      const uint8x16_t p01 = vreinterpretq_u8_u32(vzip1q_u32(lo, hi));
      const uint8x16_t p23 = vreinterpretq_u8_u32(vzip2q_u32(lo, hi));
      for (int r = 0; r < OP; ++r) {
        acc[r][2 * g] = vusmmlaq_s32(acc[r][2 * g], p01, wv[r]);
        acc[r][2 * g + 1] = vusmmlaq_s32(acc[r][2 * g + 1], p23, wv[r]);
      }
    }
  }
  if (q < k4) {  // an odd last quad: k 4..7 of the block are zero on both sides
    int8x16_t wv[OP];
    for (int r = 0; r < OP; ++r) {
      uint32_t w0, w1;
      std::memcpy(&w0, wr[2 * r] + 4 * q, 4);
      std::memcpy(&w1, wr[2 * r + 1] + 4 * q, 4);
      wv[r] = vreinterpretq_s8_u64(vcombine_u64(vcreate_u64(w0), vcreate_u64(w1)));
    }
    const uint8_t* xq = x + q * pixels * 4;
    const uint32x4_t zero = vdupq_n_u32(0);
    for (int g = 0; g < 4; ++g) {
      const uint32x4_t lo = vreinterpretq_u32_u8(vld1q_u8(xq + 16 * g));
      const uint8x16_t p01 = vreinterpretq_u8_u32(vzip1q_u32(lo, zero));
      const uint8x16_t p23 = vreinterpretq_u8_u32(vzip2q_u32(lo, zero));
      for (int r = 0; r < OP; ++r) {
        acc[r][2 * g] = vusmmlaq_s32(acc[r][2 * g], p01, wv[r]);
        acc[r][2 * g + 1] = vusmmlaq_s32(acc[r][2 * g + 1], p23, wv[r]);
      }
    }
  }
  // acc[r][2g] = [p 4g oc 2r, p 4g oc 2r+1, p 4g+1 oc 2r, p 4g+1 oc 2r+1], acc[r][2g+1] the
  // same for pixels 4g+2, 4g+3: the even lanes of the pair are channel 2r, the odd ones 2r+1.
  for (int r = 0; r < OP; ++r) {
    for (int g = 0; g < 4; ++g) {
      if (2 * r < n_oc) vst1q_s32(c + (oc + 2 * r) * pixels + 4 * g, vuzp1q_s32(acc[r][2 * g], acc[r][2 * g + 1]));
      if (2 * r + 1 < n_oc)
        vst1q_s32(c + (oc + 2 * r + 1) * pixels + 4 * g, vuzp2q_s32(acc[r][2 * g], acc[r][2 * g + 1]));
    }
  }
}

}  // namespace

void conv_gemm_i8mm(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x, int64_t pixels,
                    int32_t* c) {
  for (int64_t p = 0; p < pixels; p += kConvPixelVector) {
    int64_t oc = oc_begin;
    for (; oc + 6 <= oc_end; oc += 6) tile<3>(w, oc, 6, x + p * 4, pixels, c + p);
    const int left = static_cast<int>(oc_end - oc);
    if (left > 4) tile<3>(w, oc, left, x + p * 4, pixels, c + p);
    else if (left > 2) tile<2>(w, oc, left, x + p * 4, pixels, c + p);
    else if (left > 0) tile<1>(w, oc, left, x + p * 4, pixels, c + p);
  }
}

}  // namespace coreinfer::quant
#endif
