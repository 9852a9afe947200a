// AVX-512 VNNI int8 GEMM: vpdpbusd multiplies 4 uint8 activations (broadcast) by 4 int8 weights
// of 16 columns and adds into int32 lanes. Tiles of up to 6 rows x 4 panels (64 columns) of
// accumulators; bit-exact with int8_gemm_portable (integer arithmetic only).
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstring>

#include "graph/ops/quant/int8_gemm.h"

namespace coreinfer::quant {
namespace {

template <int MR, int NP>
void tile(const uint8_t* a, int64_t lda, const int8_t* b, int64_t panel_stride, int64_t k4, int32_t* c, int64_t ldc) {
  __m512i acc[MR][NP];
  for (int r = 0; r < MR; ++r)
    for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_setzero_si512();
  for (int64_t q = 0; q < k4; ++q) {
    __m512i bv[NP];
    for (int p = 0; p < NP; ++p) bv[p] = _mm512_loadu_si512(b + p * panel_stride + q * 64);
    for (int r = 0; r < MR; ++r) {
      int32_t word;
      std::memcpy(&word, a + r * lda + 4 * q, 4);
      const __m512i av = _mm512_set1_epi32(word);
      for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_dpbusd_epi32(acc[r][p], av, bv[p]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int p = 0; p < NP; ++p) _mm512_storeu_si512(c + r * ldc + p * 16, acc[r][p]);
}

template <int MR>
void row_block(const uint8_t* a, int64_t lda, const PackedInt8Weights& b, int32_t* c, int64_t ldc) {
  const int64_t k4 = b.k_padded / 4;
  const int64_t panel_stride = b.k_padded * kPanelCols;
  int64_t panel = 0;
  for (; panel + 4 <= b.n_panels; panel += 4)
    tile<MR, 4>(a, lda, b.data.data() + panel * panel_stride, panel_stride, k4, c + panel * 16, ldc);
  const int64_t left = b.n_panels - panel;
  const int8_t* bp = b.data.data() + panel * panel_stride;
  int32_t* cp = c + panel * 16;
  if (left == 3) tile<MR, 3>(a, lda, bp, panel_stride, k4, cp, ldc);
  else if (left == 2) tile<MR, 2>(a, lda, bp, panel_stride, k4, cp, ldc);
  else if (left == 1) tile<MR, 1>(a, lda, bp, panel_stride, k4, cp, ldc);
}

}  // namespace

void int8_gemm_avx512vnni(const uint8_t* a, int64_t lda, int64_t rows, const PackedInt8Weights& b, int32_t* c,
                          int64_t ldc) {
  int64_t m = 0;
  for (; m + 6 <= rows; m += 6) row_block<6>(a + m * lda, lda, b, c + m * ldc, ldc);
  switch (rows - m) {
    case 5: row_block<5>(a + m * lda, lda, b, c + m * ldc, ldc); break;
    case 4: row_block<4>(a + m * lda, lda, b, c + m * ldc, ldc); break;
    case 3: row_block<3>(a + m * lda, lda, b, c + m * ldc, ldc); break;
    case 2: row_block<2>(a + m * lda, lda, b, c + m * ldc, ldc); break;
    case 1: row_block<1>(a + m * lda, lda, b, c + m * ldc, ldc); break;
    default: break;
  }
}

}  // namespace coreinfer::quant
#endif
