// AVX-512 NT packing (16x16 register transposes, masked loads at the edges) and the small direct
// product: up to 8 rows x 32 columns of C in 16 accumulators, one broadcast of A per row and step
// (symmetric X · X^T: each 8-row block stops at the vector holding its diagonal).
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>

#include "graph/ops/nn/matmul_nt.h"

namespace coreinfer::nn {
namespace {

inline __mmask16 low_lanes(int64_t count) { return static_cast<__mmask16>((1u << count) - 1); }

// r[q] (row q, 16 columns) becomes column q: r[q][l] = old r[l][q].
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // s[4g + c], 128-bit lane L: column 4L + c of rows 4g..4g+3.
  __m512 s[16];
  for (int g = 0; g < 16; g += 4) {
    const __m512d t0 = _mm512_castps_pd(t[g]), t1 = _mm512_castps_pd(t[g + 1]);
    const __m512d t2 = _mm512_castps_pd(t[g + 2]), t3 = _mm512_castps_pd(t[g + 3]);
    s[g] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    s[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    s[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    s[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
  }
  // Column 4L + c gathers lane L of s[c], s[4 + c], s[8 + c], s[12 + c].
  for (int c = 0; c < 4; ++c) {
    const __m512 x = _mm512_shuffle_f32x4(s[c], s[4 + c], 0x88), y = _mm512_shuffle_f32x4(s[c], s[4 + c], 0xDD);
    const __m512 x2 = _mm512_shuffle_f32x4(s[8 + c], s[12 + c], 0x88);
    const __m512 y2 = _mm512_shuffle_f32x4(s[8 + c], s[12 + c], 0xDD);
    r[c] = _mm512_shuffle_f32x4(x, x2, 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(x, x2, 0xDD);
    r[4 + c] = _mm512_shuffle_f32x4(y, y2, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(y, y2, 0xDD);
  }
}

// Rows [0, R) x columns [0, w) of C, w in (16 (V - 1), 16 V]; b points at column 0 of bp.
template <int R, int V>
void block(int64_t k, const float* a, int64_t a_rs, int64_t a_cs, const float* b, int64_t ld, float* c, int64_t ldc,
           int64_t w) {
  __m512 acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = _mm512_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    __m512 bv[V];
    for (int v = 0; v < V; ++v) bv[v] = _mm512_loadu_ps(b + p * ld + 16 * v);
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(a[r * a_rs + p * a_cs]);
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }
  const __mmask16 tail = low_lanes(w - 16 * (V - 1));
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v + 1 < V; ++v) _mm512_storeu_ps(c + r * ldc + 16 * v, acc[r][v]);
    _mm512_mask_storeu_ps(c + r * ldc + 16 * (V - 1), tail, acc[r][V - 1]);
  }
}

template <int R>
void rows(int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs, const float* bp, int64_t ld, float* c,
          int64_t ldc) {
  for (int64_t j0 = 0; j0 < n; j0 += 32) {
    const int64_t w = std::min<int64_t>(32, n - j0);
    if (w > 16) block<R, 2>(k, a, a_rs, a_cs, bp + j0, ld, c + j0, ldc, w);
    else block<R, 1>(k, a, a_rs, a_cs, bp + j0, ld, c + j0, ldc, w);
  }
}

}  // namespace

void nt_pack_avx512(const float* bt, int64_t bt_rs, int64_t n, int64_t k, float* bp, int64_t ld) {
  for (int64_t j0 = 0; j0 < ld; j0 += 16) {
    const int64_t row_count = std::clamp<int64_t>(n - j0, 0, 16);
    for (int64_t p0 = 0; p0 < k; p0 += 16) {
      const int64_t cols = std::min<int64_t>(16, k - p0);
      const __mmask16 mask = low_lanes(cols);
      __m512 r[16];
      for (int q = 0; q < 16; ++q)
        r[q] = q < row_count ? _mm512_maskz_loadu_ps(mask, bt + (j0 + q) * bt_rs + p0) : _mm512_setzero_ps();
      transpose16(r);
      for (int64_t q = 0; q < cols; ++q) _mm512_storeu_ps(bp + (p0 + q) * ld + j0, r[q]);
    }
  }
}

void small_gemm_avx512(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs, const float* bp,
                       int64_t ld, float* c, int64_t ldc, bool symmetric) {
  for (int64_t i = 0; i < m; i += 8) {
    // symmetric: the columns up to the block's last row, in whole vectors.
    const int64_t cols = symmetric ? std::min<int64_t>(n, nt_packed_ld(std::min<int64_t>(m, i + 8))) : n;
    const float* ai = a + i * a_rs;
    float* ci = c + i * ldc;
    switch (std::min<int64_t>(8, m - i)) {
      case 8: rows<8>(cols, k, ai, a_rs, a_cs, bp, ld, ci, ldc); break;
      case 7: rows<7>(cols, k, ai, a_rs, a_cs, bp, ld, ci, ldc); break;
      case 6: rows<6>(cols, k, ai, a_rs, a_cs, bp, ld, ci, ldc); break;
      case 5: rows<5>(cols, k, ai, a_rs, a_cs, bp, ld, ci, ldc); break;
      case 4: rows<4>(cols, k, ai, a_rs, a_cs, bp, ld, ci, ldc); break;
      case 3: rows<3>(cols, k, ai, a_rs, a_cs, bp, ld, ci, ldc); break;
      case 2: rows<2>(cols, k, ai, a_rs, a_cs, bp, ld, ci, ldc); break;
      default: rows<1>(cols, k, ai, a_rs, a_cs, bp, ld, ci, ldc); break;
    }
  }
  if (symmetric) mirror_lower(n, c, ldc);
}

}  // namespace coreinfer::nn
#endif
