// fp32 NT GEMM, AVX2 + FMA. Both operands are contiguous along k, so the micro-kernel computes
// a tile of 4 weight rows x 3 tokens as 12 dot products held in 12 ymm accumulators (the
// other 4 of the 16 registers hold operands; 12 FMAs per 7 loads), reduces them once per k-block,
// and adds the results into C. Tails in m and n use smaller tiles; the tail in k uses masked
// loads, which never touch memory past the end.
//
// Blocking: k is split into blocks of about kDepthBlock so that a tile's 4 weight rows stay
// in L1 while the tokens of a token block (kTokenBlock x k-block, <= 256 KiB) stream from L2;
// the weights are read from memory once per token block.
#include <immintrin.h>

#include "kernels/x86/gemm_f32_x86.h"

namespace coreinfer::kernels {
namespace {

constexpr int kLanes = 8;
constexpr int kTileRows = 4;    // weight rows (i) per tile
constexpr int kTileCols = 3;    // tokens (j) per tile
constexpr int64_t kDepthBlock = 512;
constexpr int64_t kTokenBlock = 128;

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// [sum(a0), sum(a1), sum(a2), sum(a3)]
inline __m128 sum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  // Within each 128-bit lane: [a0, a1, a2, a3] partial sums, then the two lanes.
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

inline float sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Lanes [0, count) set, for masked loads of a tail of count < kLanes floats.
inline __m256i tail_mask(int64_t count) {
  static constexpr int32_t kOnesThenZeros[2 * kLanes] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kOnesThenZeros + kLanes - count));
}

// C[j*ldc + i] (+)= sum_p a[i*lda + p] * b[j*ldb + p] for i < R, j < C, p < k.
template <int R, int C>
void tile(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t k, float* c, int64_t ldc,
          bool accumulate) {
  __m256 acc[R][C];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < C; ++j) acc[r][j] = _mm256_setzero_ps();

  int64_t p = 0;
  for (; p + kLanes <= k; p += kLanes) {
    // The tokens in registers, one weight row at a time: 12 + 3 + 1 = 16 registers.
    __m256 bv[C];
    for (int j = 0; j < C; ++j) bv[j] = _mm256_loadu_ps(b + j * ldb + p);
    for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_loadu_ps(a + r * lda + p);
      for (int j = 0; j < C; ++j) acc[r][j] = _mm256_fmadd_ps(av, bv[j], acc[r][j]);
    }
  }
  if (p < k) {
    const __m256i mask = tail_mask(k - p);
    __m256 bv[C];
    for (int j = 0; j < C; ++j) bv[j] = _mm256_maskload_ps(b + j * ldb + p, mask);
    for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_maskload_ps(a + r * lda + p, mask);
      for (int j = 0; j < C; ++j) acc[r][j] = _mm256_fmadd_ps(av, bv[j], acc[r][j]);
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
        const float s = sum(acc[r][j]);
        out[r] = accumulate ? out[r] + s : s;
      }
    }
  }
}

using TileFn = void (*)(const float*, int64_t, const float*, int64_t, int64_t, float*, int64_t, bool);

// kTiles[rows][cols]: the tile for a block of rows x cols (1..4 rows, 1..3 tokens).
constexpr TileFn kTiles[kTileRows + 1][kTileCols + 1] = {
    {nullptr, nullptr, nullptr, nullptr},
    {nullptr, tile<1, 1>, tile<1, 2>, tile<1, 3>},
    {nullptr, tile<2, 1>, tile<2, 2>, tile<2, 3>},
    {nullptr, tile<3, 1>, tile<3, 2>, tile<3, 3>},
    {nullptr, tile<4, 1>, tile<4, 2>, tile<4, 3>},
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

void gemm_nt_f32_avx2(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
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
