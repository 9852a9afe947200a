#include "graph/ops/tensor/tile_transpose.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

namespace coreinfer::tensor_ops {
namespace {

template <typename T>
void tile_scalar(const std::byte* src, int64_t s_col, std::byte* dst, int64_t d_row, int64_t a0, int64_t rows,
                 int64_t b0, int64_t cols) {
  const T* s = reinterpret_cast<const T*>(src);
  T* d = reinterpret_cast<T*>(dst);
  for (int64_t a = a0; a < rows; ++a)
    for (int64_t b = b0; b < cols; ++b) d[a * d_row + b] = s[a + b * s_col];
}

void tile_scalar_any(size_t es, const std::byte* src, int64_t s_col, std::byte* dst, int64_t d_row, int64_t a0,
                     int64_t rows, int64_t b0, int64_t cols) {
  switch (es) {
    case 1: tile_scalar<uint8_t>(src, s_col, dst, d_row, a0, rows, b0, cols); return;
    case 2: tile_scalar<uint16_t>(src, s_col, dst, d_row, a0, rows, b0, cols); return;
    case 4: tile_scalar<uint32_t>(src, s_col, dst, d_row, a0, rows, b0, cols); return;
    default: tile_scalar<uint64_t>(src, s_col, dst, d_row, a0, rows, b0, cols); return;
  }
}

#if defined(__SSE2__)
// 4x4 blocks of 4-byte elements; the ragged edges by the scalar loop. The float moves and
// shuffles copy bits exactly (no arithmetic), so ints pass through unchanged.
void tile4_sse(const std::byte* src, int64_t s_col, std::byte* dst, int64_t d_row, int64_t rows, int64_t cols) {
  const float* s = reinterpret_cast<const float*>(src);
  float* d = reinterpret_cast<float*>(dst);
  const int64_t rows4 = rows & ~int64_t{3}, cols4 = cols & ~int64_t{3};
  for (int64_t a = 0; a < rows4; a += 4) {
    for (int64_t b = 0; b < cols4; b += 4) {
      __m128 r0 = _mm_loadu_ps(s + a + (b + 0) * s_col);
      __m128 r1 = _mm_loadu_ps(s + a + (b + 1) * s_col);
      __m128 r2 = _mm_loadu_ps(s + a + (b + 2) * s_col);
      __m128 r3 = _mm_loadu_ps(s + a + (b + 3) * s_col);
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      _mm_storeu_ps(d + (a + 0) * d_row + b, r0);
      _mm_storeu_ps(d + (a + 1) * d_row + b, r1);
      _mm_storeu_ps(d + (a + 2) * d_row + b, r2);
      _mm_storeu_ps(d + (a + 3) * d_row + b, r3);
    }
  }
  if (cols4 < cols) tile_scalar<uint32_t>(src, s_col, dst, d_row, 0, rows4, cols4, cols);
  if (rows4 < rows) tile_scalar<uint32_t>(src, s_col, dst, d_row, rows4, rows, 0, cols);
}

void tile8_sse(const std::byte* src, int64_t s_col, std::byte* dst, int64_t d_row, int64_t rows, int64_t cols) {
  const double* s = reinterpret_cast<const double*>(src);
  double* d = reinterpret_cast<double*>(dst);
  const int64_t rows2 = rows & ~int64_t{1}, cols2 = cols & ~int64_t{1};
  for (int64_t a = 0; a < rows2; a += 2) {
    for (int64_t b = 0; b < cols2; b += 2) {
      const __m128d r0 = _mm_loadu_pd(s + a + b * s_col);
      const __m128d r1 = _mm_loadu_pd(s + a + (b + 1) * s_col);
      _mm_storeu_pd(d + a * d_row + b, _mm_unpacklo_pd(r0, r1));
      _mm_storeu_pd(d + (a + 1) * d_row + b, _mm_unpackhi_pd(r0, r1));
    }
  }
  if (cols2 < cols) tile_scalar<uint64_t>(src, s_col, dst, d_row, 0, rows2, cols2, cols);
  if (rows2 < rows) tile_scalar<uint64_t>(src, s_col, dst, d_row, rows2, rows, 0, cols);
}
#endif

}  // namespace

void transpose_tile_scalar(size_t es, const std::byte* src, int64_t src_col, std::byte* dst, int64_t dst_row,
                           int64_t rows, int64_t cols) {
  tile_scalar_any(es, src, src_col, dst, dst_row, 0, rows, 0, cols);
}

void transpose_tile(size_t es, const std::byte* src, int64_t src_col, std::byte* dst, int64_t dst_row, int64_t rows,
                    int64_t cols) {
#if defined(__SSE2__)
  if (es == 4) return tile4_sse(src, src_col, dst, dst_row, rows, cols);
  if (es == 8) return tile8_sse(src, src_col, dst, dst_row, rows, cols);
#endif
  tile_scalar_any(es, src, src_col, dst, dst_row, 0, rows, 0, cols);
}

}  // namespace coreinfer::tensor_ops
