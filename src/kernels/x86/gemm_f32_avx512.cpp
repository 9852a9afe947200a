// fp32 NT GEMM, AVX-512. Both operands are contiguous along k, so the micro-kernel computes
// a tile of 4 weight rows x 4 tokens as 16 dot products held in 16 zmm accumulators (16 FMAs
// per 8 loads), reduces them once per k-block, and adds the results into C. Tails in m and n
// use smaller tiles; the tail in k uses masked loads, which never touch memory past the end.
//
// Blocking: k is split into blocks of about kDepthBlock so that a tile's 4 weight rows (16 KiB)
// stay in L1 while the tokens of a token block (kTokenBlock x k-block, <= 512 KiB) stream from
// L2; the weights are read from memory once per token block. (1024 beat 512 and 2048 on Zen 5.)
#include <immintrin.h>

#include "kernels/x86/gemm_f32_x86.h"

namespace coreinfer::kernels {
namespace {

constexpr int kLanes = 16;
constexpr int kTileRows = 4;    // weight rows (i) per tile
constexpr int kTileCols = 4;    // tokens (j) per tile
constexpr int64_t kDepthBlock = 1024;
constexpr int64_t kTokenBlock = 128;

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// [sum(a0), sum(a1), sum(a2), sum(a3)]
inline __m128 sum4(__m512 a0, __m512 a1, __m512 a2, __m512 a3) {
  // Within each 128-bit lane: [a0, a1, a2, a3] partial sums after two pairwise steps.
  const __m512 s01 = _mm512_add_ps(_mm512_unpacklo_ps(a0, a1), _mm512_unpackhi_ps(a0, a1));
  const __m512 s23 = _mm512_add_ps(_mm512_unpacklo_ps(a2, a3), _mm512_unpackhi_ps(a2, a3));
  const __m512d d01 = _mm512_castps_pd(s01), d23 = _mm512_castps_pd(s23);
  const __m512 s = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(d01, d23)),
                                 _mm512_castpd_ps(_mm512_unpackhi_pd(d01, d23)));
  // Then the four lanes.
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(s),
                                 _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1)));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

// C[j*ldc + i] (+)= sum_p a[i*lda + p] * b[j*ldb + p] for i < R, j < C, p < k. Used for the
// edges in m and n; tile_4x4 below is the same for R = C = 4.
template <int R, int C>
void tile(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t k, float* c, int64_t ldc,
          bool accumulate) {
  __m512 acc[R][C];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < C; ++j) acc[r][j] = _mm512_setzero_ps();

  int64_t p = 0;
  for (; p + kLanes <= k; p += kLanes) {
    __m512 av[R];
    for (int r = 0; r < R; ++r) av[r] = _mm512_loadu_ps(a + r * lda + p);
    for (int j = 0; j < C; ++j) {
      const __m512 bv = _mm512_loadu_ps(b + j * ldb + p);
      for (int r = 0; r < R; ++r) acc[r][j] = _mm512_fmadd_ps(av[r], bv, acc[r][j]);
    }
  }
  if (p < k) {
    const __mmask16 mask = static_cast<__mmask16>((1u << (k - p)) - 1);
    __m512 av[R];
    for (int r = 0; r < R; ++r) av[r] = _mm512_maskz_loadu_ps(mask, a + r * lda + p);
    for (int j = 0; j < C; ++j) {
      const __m512 bv = _mm512_maskz_loadu_ps(mask, b + j * ldb + p);
      for (int r = 0; r < R; ++r) acc[r][j] = _mm512_fmadd_ps(av[r], bv, acc[r][j]);
    }
  }

  for (int j = 0; j < C; ++j) {
    float* out = c + j * ldc;
    if constexpr (R == kTileRows) {
      __m128 sums = sum4(acc[0][j], acc[1][j], acc[2][j], acc[3][j]);
      if (accumulate) sums = _mm_add_ps(sums, _mm_loadu_ps(out));
      _mm_storeu_ps(out, sums);
    } else {
      for (int r = 0; r < R; ++r) {
        const float sum = _mm512_reduce_add_ps(acc[r][j]);
        out[r] = accumulate ? out[r] + sum : sum;
      }
    }
  }
}

// The main tile, as tile<4, 4> but with named accumulators: GCC keeps a 16-vector array in
// memory outside the loop, which costs ~50 extra loads and stores per call.
void tile_4x4(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t k, float* c, int64_t ldc,
              bool accumulate) {
  const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda;
  const float *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
  __m512 c00 = _mm512_setzero_ps(), c10 = c00, c20 = c00, c30 = c00, c01 = c00, c11 = c00, c21 = c00, c31 = c00,
         c02 = c00, c12 = c00, c22 = c00, c32 = c00, c03 = c00, c13 = c00, c23 = c00, c33 = c00;
  // cRJ += row R of a times token J of b, over 16 (or the masked tail of) k.
  const auto step = [&](int64_t p, __mmask16 mask) __attribute__((always_inline)) {
    const __m512 x0 = _mm512_maskz_loadu_ps(mask, a0 + p), x1 = _mm512_maskz_loadu_ps(mask, a1 + p),
                 x2 = _mm512_maskz_loadu_ps(mask, a2 + p), x3 = _mm512_maskz_loadu_ps(mask, a3 + p);
    __m512 y = _mm512_maskz_loadu_ps(mask, b0 + p);
    c00 = _mm512_fmadd_ps(x0, y, c00), c10 = _mm512_fmadd_ps(x1, y, c10);
    c20 = _mm512_fmadd_ps(x2, y, c20), c30 = _mm512_fmadd_ps(x3, y, c30);
    y = _mm512_maskz_loadu_ps(mask, b1 + p);
    c01 = _mm512_fmadd_ps(x0, y, c01), c11 = _mm512_fmadd_ps(x1, y, c11);
    c21 = _mm512_fmadd_ps(x2, y, c21), c31 = _mm512_fmadd_ps(x3, y, c31);
    y = _mm512_maskz_loadu_ps(mask, b2 + p);
    c02 = _mm512_fmadd_ps(x0, y, c02), c12 = _mm512_fmadd_ps(x1, y, c12);
    c22 = _mm512_fmadd_ps(x2, y, c22), c32 = _mm512_fmadd_ps(x3, y, c32);
    y = _mm512_maskz_loadu_ps(mask, b3 + p);
    c03 = _mm512_fmadd_ps(x0, y, c03), c13 = _mm512_fmadd_ps(x1, y, c13);
    c23 = _mm512_fmadd_ps(x2, y, c23), c33 = _mm512_fmadd_ps(x3, y, c33);
  };
  int64_t p = 0;
  for (; p + kLanes <= k; p += kLanes) step(p, static_cast<__mmask16>(0xFFFF));
  if (p < k) step(p, static_cast<__mmask16>((1u << (k - p)) - 1));

  const auto store = [&](float* out, __m128 sums) {
    if (accumulate) sums = _mm_add_ps(sums, _mm_loadu_ps(out));
    _mm_storeu_ps(out, sums);
  };
  store(c, sum4(c00, c10, c20, c30));
  store(c + ldc, sum4(c01, c11, c21, c31));
  store(c + 2 * ldc, sum4(c02, c12, c22, c32));
  store(c + 3 * ldc, sum4(c03, c13, c23, c33));
}

using TileFn = void (*)(const float*, int64_t, const float*, int64_t, int64_t, float*, int64_t, bool);

// kTiles[rows][cols]: the tile for a block of rows x cols (1..4 each).
constexpr TileFn kTiles[kTileRows + 1][kTileCols + 1] = {
    {nullptr, nullptr, nullptr, nullptr, nullptr},
    {nullptr, tile<1, 1>, tile<1, 2>, tile<1, 3>, tile<1, 4>},
    {nullptr, tile<2, 1>, tile<2, 2>, tile<2, 3>, tile<2, 4>},
    {nullptr, tile<3, 1>, tile<3, 2>, tile<3, 3>, tile<3, 4>},
    {nullptr, tile<4, 1>, tile<4, 2>, tile<4, 3>, tile_4x4},
};

// The k-block: k split evenly into pieces of about kDepthBlock, rounded up to whole vectors.
// With a single token tile nothing is reused across tiles, so k stays whole.
int64_t depth_block(int64_t n, int64_t k) {
  if (n <= kTileCols || k <= kDepthBlock) return k;
  const int64_t blocks = (k + kDepthBlock - 1) / kDepthBlock;
  const int64_t per_block = (k + blocks - 1) / blocks;
  return (per_block + kLanes - 1) / kLanes * kLanes;
}

}  // namespace

void gemm_nt_f32_avx512(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                        float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < m; ++i) c[j * ldc + i] = 0.0f;
    return;
  }
  const int64_t kc_max = depth_block(n, k);
  for (int64_t p0 = 0; p0 < k; p0 += kc_max) {
    const int64_t kc = min64(kc_max, k - p0);
    const bool accumulate = p0 > 0;
    for (int64_t j0 = 0; j0 < n; j0 += kTokenBlock) {
      const int64_t j_end = min64(n, j0 + kTokenBlock);
      for (int64_t i = 0; i < m; i += kTileRows) {
        const TileFn* row_tiles = kTiles[min64(kTileRows, m - i)];
        const float* a_tile = a + i * lda + p0;
        for (int64_t j = j0; j < j_end; j += kTileCols) {
          row_tiles[min64(kTileCols, j_end - j)](a_tile, lda, b + j * ldb + p0, ldb, kc, c + j * ldc + i, ldc,
                                                 accumulate);
        }
      }
    }
  }
}

}  // namespace coreinfer::kernels
