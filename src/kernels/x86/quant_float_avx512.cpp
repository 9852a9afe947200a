// AVX-512 kernels of the plain float weight types: dot products for F32, F16 and BF16, and the
// F16 / BF16 decoders. Row tails use masked loads and stores, so no scalar loop remains.
#include "kernels/x86/quant_x86.h"
#include "kernels/x86/simd_avx512.h"

namespace coreinfer::kernels {
namespace {

using namespace avx512;

// Loads of 16 elements, or of the lanes set in `mask` (the others read as zero).
__m512 load16_f32(const uint8_t* p, __mmask16 mask) {
  return _mm512_maskz_loadu_ps(mask, reinterpret_cast<const float*>(p));
}
__m512 load16_f16(const uint8_t* p, __mmask16 mask) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, p)); }
__m512 load16_bf16(const uint8_t* p, __mmask16 mask) {
  const __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask, p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}

constexpr __mmask16 kAll = 0xFFFF;
__mmask16 first_lanes(int64_t count) { return static_cast<__mmask16>((1u << count) - 1u); }

// kBytes: bytes per element.
template <int kBytes, __m512 (*Load16)(const uint8_t*, __mmask16)>
float dot_row(const void* w, const float* x, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(w);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    prefetch_ahead<64 * kBytes>(p + kBytes * i);
    acc0 = _mm512_fmadd_ps(Load16(p + kBytes * i, kAll), _mm512_loadu_ps(x + i), acc0);
    acc1 = _mm512_fmadd_ps(Load16(p + kBytes * (i + 16), kAll), _mm512_loadu_ps(x + i + 16), acc1);
    acc2 = _mm512_fmadd_ps(Load16(p + kBytes * (i + 32), kAll), _mm512_loadu_ps(x + i + 32), acc2);
    acc3 = _mm512_fmadd_ps(Load16(p + kBytes * (i + 48), kAll), _mm512_loadu_ps(x + i + 48), acc3);
  }
  for (; i + 16 <= n; i += 16) acc0 = _mm512_fmadd_ps(Load16(p + kBytes * i, kAll), _mm512_loadu_ps(x + i), acc0);
  if (i < n) {
    const __mmask16 tail = first_lanes(n - i);
    acc1 = _mm512_fmadd_ps(Load16(p + kBytes * i, tail), _mm512_maskz_loadu_ps(tail, x + i), acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

// kRows rows against one vector: each row's operations exactly those of dot_row (so each result
// is bit-identical to it), interleaved so several weight streams are in flight at once (decode
// is bandwidth-bound; one sequential stream per core leaves bandwidth unused).
template <int kRows, int kBytes, __m512 (*Load16)(const uint8_t*, __mmask16)>
void dot_rows(const uint8_t* const (&p)[kRows], const float* x, int64_t n, float* const (&y)[kRows]) {
  __m512 acc[kRows][4];
  for (int r = 0; r < kRows; ++r)
    for (int a = 0; a < 4; ++a) acc[r][a] = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    for (int r = 0; r < kRows; ++r) prefetch_ahead<64 * kBytes>(p[r] + kBytes * i);
    for (int a = 0; a < 4; ++a) {
      const __m512 xa = _mm512_loadu_ps(x + i + 16 * a);
      for (int r = 0; r < kRows; ++r)
        acc[r][a] = _mm512_fmadd_ps(Load16(p[r] + kBytes * (i + 16 * a), kAll), xa, acc[r][a]);
    }
  }
  for (; i + 16 <= n; i += 16) {
    const __m512 xi = _mm512_loadu_ps(x + i);
    for (int r = 0; r < kRows; ++r) acc[r][0] = _mm512_fmadd_ps(Load16(p[r] + kBytes * i, kAll), xi, acc[r][0]);
  }
  if (i < n) {
    const __mmask16 tail = first_lanes(n - i);
    const __m512 xi = _mm512_maskz_loadu_ps(tail, x + i);
    for (int r = 0; r < kRows; ++r) acc[r][1] = _mm512_fmadd_ps(Load16(p[r] + kBytes * i, tail), xi, acc[r][1]);
  }
  for (int r = 0; r < kRows; ++r)
    *y[r] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[r][0], acc[r][1]), _mm512_add_ps(acc[r][2], acc[r][3])));
}

// Rows r, r + q, r + 2q and r + 3q go together (four streams through the matrix); the rows left
// over in pairs, then an odd last row alone.
template <int kBytes, __m512 (*Load16)(const uint8_t*, __mmask16)>
void dot_multi(const void* w, size_t row_stride, int64_t n_rows, const float* x, int64_t x_stride, int64_t n_x,
               float* y, int64_t y_stride, int64_t n) {
  const auto* rows = static_cast<const uint8_t*>(w);
  const int64_t q = n_rows / 4;
  for (int64_t r = 0; r < q; ++r)
    for (int64_t j = 0; j < n_x; ++j) {
      float* out = y + j * y_stride;
      const uint8_t* const p[4] = {rows + r * row_stride, rows + (r + q) * row_stride, rows + (r + 2 * q) * row_stride,
                                   rows + (r + 3 * q) * row_stride};
      float* const o[4] = {out + r, out + r + q, out + r + 2 * q, out + r + 3 * q};
      dot_rows<4, kBytes, Load16>(p, x + j * x_stride, n, o);
    }
  for (int64_t r = 4 * q; r < n_rows; ++r)
    for (int64_t j = 0; j < n_x; ++j) {
      const uint8_t* const p[1] = {rows + r * row_stride};
      float* const o[1] = {y + j * y_stride + r};
      dot_rows<1, kBytes, Load16>(p, x + j * x_stride, n, o);
    }
}

template <int kBytes, __m512 (*Load16)(const uint8_t*, __mmask16)>
void dequant_row(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, Load16(p + kBytes * i, kAll));
  if (i < n) {
    const __mmask16 tail = first_lanes(n - i);
    _mm512_mask_storeu_ps(dst + i, tail, Load16(p + kBytes * i, tail));
  }
}

}  // namespace

void register_quant_float_avx512(KernelTable& t) {
  set_simd_weight_kernels<dot_row<4, load16_f32>>(t, DType::kF32, Isa::kAvx512, nullptr);
  set_simd_weight_kernels<dot_row<2, load16_f16>>(t, DType::kF16, Isa::kAvx512, dequant_row<2, load16_f16>);
  set_simd_weight_kernels<dot_row<2, load16_bf16>>(t, DType::kBF16, Isa::kAvx512, dequant_row<2, load16_bf16>);
  t.weights[static_cast<uint32_t>(DType::kF32)].dot_multi = dot_multi<4, load16_f32>;
  t.weights[static_cast<uint32_t>(DType::kF16)].dot_multi = dot_multi<2, load16_f16>;
  t.weights[static_cast<uint32_t>(DType::kBF16)].dot_multi = dot_multi<2, load16_bf16>;
}

}  // namespace coreinfer::kernels
