// Armv8.6 i8mm int8 GEMM (QLinearMatMul / MatMulInteger): usmmla multiplies a 2 x 8 uint8 block
// of A by an 8 x 2 int8 block of B into a 2 x 2 int32 tile, 32 multiply-adds per instruction
// (twice sdot's), and takes the uint8 activations as they are (no flip, no correction).
// The packed B holds 4 k per column ([k/4][16 columns][4 k]); two consecutive quads zipped as
// 32-bit words give the 8 consecutive k of 2 columns that usmmla wants. Tiles of up to 6 rows
// (3 row pairs) x one 16-column panel; bit-exact with int8_gemm_portable.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <algorithm>
#include <cstring>

#include "graph/ops/quant/int8_gemm.h"

namespace coreinfer::quant {
namespace {

// rows[2 * RP] are the A rows (an odd last row repeated: its duplicate result is not stored);
// out_rows of the 2 * RP results are stored.
template <int RP>
void tile(const uint8_t* const* rows, const int8_t* b, int64_t k4, int32_t* c, int64_t ldc, int out_rows) {
  int32x4_t acc[RP][8];
  for (int r = 0; r < RP; ++r)
    for (int v = 0; v < 8; ++v) acc[r][v] = vdupq_n_s32(0);
  int64_t q = 0;
  for (; q + 2 <= k4; q += 2) {
    uint8x16_t av[RP];
    for (int r = 0; r < RP; ++r) av[r] = vcombine_u8(vld1_u8(rows[2 * r] + 4 * q), vld1_u8(rows[2 * r + 1] + 4 * q));
    const int8_t* bq = b + q * kPanelCols * 4;
    for (int g = 0; g < 4; ++g) {  // columns 4g .. 4g+3
      const int32x4_t lo = vreinterpretq_s32_s8(vld1q_s8(bq + 16 * g));
      const int32x4_t hi = vreinterpretq_s32_s8(vld1q_s8(bq + 64 + 16 * g));
      const int8x16_t b01 = vreinterpretq_s8_s32(vzip1q_s32(lo, hi));
      const int8x16_t b23 = vreinterpretq_s8_s32(vzip2q_s32(lo, hi));
      for (int r = 0; r < RP; ++r) {
        acc[r][2 * g] = vusmmlaq_s32(acc[r][2 * g], av[r], b01);
        acc[r][2 * g + 1] = vusmmlaq_s32(acc[r][2 * g + 1], av[r], b23);
      }
    }
  }
  if (q < k4) {  // an odd last quad: k 4..7 of the block are zero on both sides
    uint8x16_t av[RP];
    for (int r = 0; r < RP; ++r) {
      uint32_t w0, w1;
      std::memcpy(&w0, rows[2 * r] + 4 * q, 4);
      std::memcpy(&w1, rows[2 * r + 1] + 4 * q, 4);
      av[r] = vreinterpretq_u8_u64(vcombine_u64(vcreate_u64(w0), vcreate_u64(w1)));
    }
    const int8_t* bq = b + q * kPanelCols * 4;
    const int32x4_t zero = vdupq_n_s32(0);
    for (int g = 0; g < 4; ++g) {
      const int32x4_t lo = vreinterpretq_s32_s8(vld1q_s8(bq + 16 * g));
      const int8x16_t b01 = vreinterpretq_s8_s32(vzip1q_s32(lo, zero));
      const int8x16_t b23 = vreinterpretq_s8_s32(vzip2q_s32(lo, zero));
      for (int r = 0; r < RP; ++r) {
        acc[r][2 * g] = vusmmlaq_s32(acc[r][2 * g], av[r], b01);
        acc[r][2 * g + 1] = vusmmlaq_s32(acc[r][2 * g + 1], av[r], b23);
      }
    }
  }
  // acc[r][v] = [row 2r col 2v, row 2r col 2v+1, row 2r+1 col 2v, row 2r+1 col 2v+1].
  for (int r = 0; r < RP; ++r) {
    for (int g = 0; g < 4; ++g) {
      const int64x2_t x = vreinterpretq_s64_s32(acc[r][2 * g]), y = vreinterpretq_s64_s32(acc[r][2 * g + 1]);
      if (2 * r < out_rows) vst1q_s32(c + (2 * r) * ldc + 4 * g, vreinterpretq_s32_s64(vzip1q_s64(x, y)));
      if (2 * r + 1 < out_rows) vst1q_s32(c + (2 * r + 1) * ldc + 4 * g, vreinterpretq_s32_s64(vzip2q_s64(x, y)));
    }
  }
}

template <int RP>
void row_block(const uint8_t* a, int64_t lda, int n_rows, const PackedInt8Weights& b, int32_t* c, int64_t ldc) {
  const uint8_t* rows[2 * RP];
  for (int r = 0; r < 2 * RP; ++r) rows[r] = a + std::min(r, n_rows - 1) * lda;
  const int64_t k4 = b.k_padded / 4, panel_stride = b.k_padded * kPanelCols;
  for (int64_t panel = 0; panel < b.n_panels; ++panel)
    tile<RP>(rows, b.data.data() + panel * panel_stride, k4, c + panel * kPanelCols, ldc, n_rows);
}

}  // namespace

void int8_gemm_i8mm(const uint8_t* a, int64_t lda, int64_t rows, const PackedInt8Weights& b, int32_t* c,
                    int64_t ldc) {
  int64_t m = 0;
  for (; m + 6 <= rows; m += 6) row_block<3>(a + m * lda, lda, 6, b, c + m * ldc, ldc);
  const int left = static_cast<int>(rows - m);
  if (left > 4) row_block<3>(a + m * lda, lda, left, b, c + m * ldc, ldc);
  else if (left > 2) row_block<2>(a + m * lda, lda, left, b, c + m * ldc, ldc);
  else if (left > 0) row_block<1>(a + m * lda, lda, left, b, c + m * ldc, ldc);
}

}  // namespace coreinfer::quant
#endif
