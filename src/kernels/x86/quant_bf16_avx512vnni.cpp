// AVX512_BF16 kernels of BF16's bf16-activation path (kernels/quant/int8_path.h, BF16A): the
// BF16A quantizer and the GEMV of GGUF BF16 rows with BF16A vectors.
//
// Quantizer: the round-to-nearest-even of float_to_bf16 done on the integer bits (add 0x7FFF +
// the kept lsb, shift), NaN lanes blended to the quiet NaN, packed by vpmovdw. vcvtne2ps2bf16 is
// not used: it rounds the same way but flushes denormal inputs to zero, the reference does not.
// Dot: vdpbf16ps on 32 elements (one zmm of bf16) per step, each lane summing the products of
// its pair of elements into its fp32 accumulator; two accumulators per (row, vector), for the
// even and the odd 32-element chunks (the last partial chunk masked, into the accumulator of its
// parity), added and reduced once at the end. Tiles of 2 rows (r and r + n_rows / 2: two streams)
// x 4 vectors share the loads; every (row, vector) pair runs the same operations in the same
// order whatever the tile, so a result never depends on the other rows or vectors of the call.
// Rows are prefetched kPrefetchBytes ahead (simd_avx512.h).
#include <cstddef>
#include <cstdint>

#include "kernels/kernel_table.h"
#include "kernels/quant/int8_path.h"
#include "kernels/x86/simd_avx512.h"

namespace coreinfer::kernels {
namespace {

using namespace avx512;

// 16 fp32 bit patterns to 16 bf16, as float_to_bf16 (core/half.h).
__m256i to_bf16(__m512i u) {
  const __m512i high = _mm512_srli_epi32(u, 16);
  const __m512i bias = _mm512_add_epi32(_mm512_and_si512(high, _mm512_set1_epi32(1)), _mm512_set1_epi32(0x7FFF));
  const __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(u, bias), 16);
  const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7FFFFFFF)),
                                                _mm512_set1_epi32(0x7F800000));
  const __m512i quiet = _mm512_or_si512(high, _mm512_set1_epi32(0x40));
  return _mm512_cvtepi32_epi16(_mm512_mask_blend_epi32(nan, rounded, quiet));
}

void quantize_bf16a(const float* x, void* xq, int64_t n) {
  auto* out = static_cast<uint8_t*>(xq);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 2 * i), to_bf16(_mm512_loadu_si512(x + i)));
  if (i < n) {
    const auto mask = static_cast<__mmask16>((1u << (n - i)) - 1u);
    _mm256_mask_storeu_epi16(out + 2 * i, mask, to_bf16(_mm512_maskz_loadu_epi32(mask, x + i)));
  }
}

[[gnu::always_inline]] inline __m512 dot_pairs(__m512 acc, __m512i w, __m512i x) {
  return _mm512_dpbf16_ps(acc, reinterpret_cast<__m512bh&>(w), reinterpret_cast<__m512bh&>(x));
}

// Rows rows[0, R) x vectors [0, T), vector t at x + t * x_stride.
template <int R, int T>
void tile(const uint8_t* const* rows, const uint8_t* x, size_t x_stride, float* const* y, int64_t y_stride, int64_t n) {
  __m512 acc[R][T][2];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < T; ++t) acc[r][t][0] = acc[r][t][1] = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m512i w0[R], w1[R];
    for (int r = 0; r < R; ++r) {
      const uint8_t* p = rows[r] + 2 * i;
      prefetch_ahead<128>(p);
      w0[r] = _mm512_loadu_si512(p);
      w1[r] = _mm512_loadu_si512(p + 64);
    }
    for (int t = 0; t < T; ++t) {
      const uint8_t* q = x + t * x_stride + 2 * i;
      const __m512i x0 = _mm512_loadu_si512(q), x1 = _mm512_loadu_si512(q + 64);
      for (int r = 0; r < R; ++r) {
        acc[r][t][0] = dot_pairs(acc[r][t][0], w0[r], x0);
        acc[r][t][1] = dot_pairs(acc[r][t][1], w1[r], x1);
      }
    }
  }
  // At most one full and one partial chunk left: the full one is even, the partial one takes
  // the accumulator of its chunk's parity.
  int parity = 0;
  for (; i < n; i += 32, parity = 1) {
    const int64_t left = n - i;
    const __mmask32 mask = left >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((1u << left) - 1u);
    for (int t = 0; t < T; ++t) {
      const __m512i xv = _mm512_maskz_loadu_epi16(mask, x + t * x_stride + 2 * i);
      for (int r = 0; r < R; ++r)
        acc[r][t][parity] = dot_pairs(acc[r][t][parity], _mm512_maskz_loadu_epi16(mask, rows[r] + 2 * i), xv);
    }
  }
  for (int t = 0; t < T; ++t)
    for (int r = 0; r < R; ++r) y[r][t * y_stride] = _mm512_reduce_add_ps(_mm512_add_ps(acc[r][t][0], acc[r][t][1]));
}

template <int R>
void rows_against_vectors(const uint8_t* const* rows, const uint8_t* x, size_t x_stride, int64_t n_x, float* const* y,
                          int64_t y_stride, int64_t n) {
  int64_t j = 0;
  for (; j + 4 <= n_x; j += 4) {
    float* yj[R];
    for (int r = 0; r < R; ++r) yj[r] = y[r] + j * y_stride;
    tile<R, 4>(rows, x + j * x_stride, x_stride, yj, y_stride, n);
  }
  for (; j < n_x; ++j) {
    float* yj[R];
    for (int r = 0; r < R; ++r) yj[r] = y[r] + j * y_stride;
    tile<R, 1>(rows, x + j * x_stride, x_stride, yj, y_stride, n);
  }
}

// Rows r and r + half go together: two sequential streams through the matrix, which the
// prefetchers follow better than neighbouring rows.
void dot_multi_bf16a(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride, int64_t n_x,
                     float* y, int64_t y_stride, int64_t n) {
  const auto* base = static_cast<const uint8_t*>(w);
  const auto* acts = static_cast<const uint8_t*>(xq);
  const int64_t half = n_rows / 2;
  for (int64_t r = 0; r < half; ++r) {
    const uint8_t* rows[2] = {base + r * row_stride, base + (r + half) * row_stride};
    float* ys[2] = {y + r, y + r + half};
    rows_against_vectors<2>(rows, acts, xq_stride, n_x, ys, y_stride, n);
  }
  if (n_rows % 2 != 0) {
    const uint8_t* rows[1] = {base + (n_rows - 1) * row_stride};
    float* ys[1] = {y + n_rows - 1};
    rows_against_vectors<1>(rows, acts, xq_stride, n_x, ys, y_stride, n);
  }
}

}  // namespace

void register_bf16_act_avx512vnni(KernelTable& t) {
  set_bf16_act_path(t.weights[static_cast<uint32_t>(DType::kBF16)], dot_multi_bf16a, quantize_bf16a,
                    Isa::kAvx512Vnni);
}

}  // namespace coreinfer::kernels
