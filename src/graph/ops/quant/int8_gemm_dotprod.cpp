// Armv8.2 dotprod int8 GEMM (QLinearMatMul / MatMulInteger): sdot multiplies 4 int8 by 4 int8
// and adds into an int32 lane. sdot is signed only, so the uint8 activations are flipped into
// int8 (a ^ 0x80 = a - 128) and the product restored with the weights' column sums:
//   sum_k a * b = sum_k (a - 128) * b + 128 * colsum(b).
// Tiles of up to 5 rows x one 16-column panel (20 accumulators; 6 rows spill with GCC 12);
// bit-exact with int8_gemm_portable (integer arithmetic only).
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>
#include <vector>

#include "graph/ops/quant/int8_gemm.h"

namespace coreinfer::quant {
namespace {

// The accumulators start at 128 * colsum (corr: the panel's 16 columns).
template <int MR>
void tile(const uint8_t* a, int64_t lda, const int8_t* b, int64_t k4, const int32_t* corr, int32_t* c,
          int64_t ldc) {
  int32x4_t acc[MR][4];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < 4; ++v) acc[r][v] = vld1q_s32(corr + 4 * v);
  for (int64_t q = 0; q < k4; ++q) {
    const int8x16_t b0 = vld1q_s8(b), b1 = vld1q_s8(b + 16), b2 = vld1q_s8(b + 32), b3 = vld1q_s8(b + 48);
    for (int r = 0; r < MR; ++r) {
      uint32_t word;
      std::memcpy(&word, a + r * lda + 4 * q, 4);
      const int8x16_t av = vreinterpretq_s8_u32(vdupq_n_u32(word ^ 0x80808080u));
      acc[r][0] = vdotq_s32(acc[r][0], b0, av);
      acc[r][1] = vdotq_s32(acc[r][1], b1, av);
      acc[r][2] = vdotq_s32(acc[r][2], b2, av);
      acc[r][3] = vdotq_s32(acc[r][3], b3, av);
    }
    b += kPanelCols * 4;
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < 4; ++v) vst1q_s32(c + r * ldc + 4 * v, acc[r][v]);
}

template <int MR>
void row_block(const uint8_t* a, int64_t lda, const PackedInt8Weights& b, const int32_t* corr, int32_t* c,
               int64_t ldc) {
  const int64_t k4 = b.k_padded / 4, panel_stride = b.k_padded * kPanelCols;
  for (int64_t panel = 0; panel < b.n_panels; ++panel)
    tile<MR>(a, lda, b.data.data() + panel * panel_stride, k4, corr + panel * kPanelCols, c + panel * kPanelCols, ldc);
}

}  // namespace

void int8_gemm_dotprod(const uint8_t* a, int64_t lda, int64_t rows, const PackedInt8Weights& b, int32_t* c,
                       int64_t ldc) {
  if (rows <= 0 || b.n_panels <= 0) return;
  // 128 * colsum per padded column (0 past n; wrapping like the sums themselves).
  std::vector<int32_t> corr_buf(static_cast<size_t>(b.padded_cols()), 0);
  for (int64_t j = 0; j < b.n; ++j) corr_buf[j] = static_cast<int32_t>(static_cast<uint32_t>(b.column_sums[j]) << 7);
  const int32_t* corr = corr_buf.data();
  int64_t m = 0;
  for (; m + 5 <= rows; m += 5) row_block<5>(a + m * lda, lda, b, corr, c + m * ldc, ldc);
  switch (rows - m) {
    case 4: row_block<4>(a + m * lda, lda, b, corr, c + m * ldc, ldc); break;
    case 3: row_block<3>(a + m * lda, lda, b, corr, c + m * ldc, ldc); break;
    case 2: row_block<2>(a + m * lda, lda, b, corr, c + m * ldc, ldc); break;
    case 1: row_block<1>(a + m * lda, lda, b, corr, c + m * ldc, ldc); break;
    default: break;
  }
}

}  // namespace coreinfer::quant
#endif
