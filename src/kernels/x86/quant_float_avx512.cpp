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

// Two rows against one vector: each row's operations exactly those of dot_row (so each result
// is bit-identical to it), interleaved so two weight streams are in flight at once (decode is
// bandwidth-bound; one sequential stream per core leaves bandwidth unused).
template <int kBytes, __m512 (*Load16)(const uint8_t*, __mmask16)>
void dot_two_rows(const uint8_t* p, const uint8_t* q, const float* x, int64_t n, float* yp, float* yq) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
  __m512 b0 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps(), b2 = _mm512_setzero_ps(), b3 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    prefetch_ahead<64 * kBytes>(p + kBytes * i);
    prefetch_ahead<64 * kBytes>(q + kBytes * i);
    const __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
    const __m512 x2 = _mm512_loadu_ps(x + i + 32), x3 = _mm512_loadu_ps(x + i + 48);
    a0 = _mm512_fmadd_ps(Load16(p + kBytes * i, kAll), x0, a0);
    b0 = _mm512_fmadd_ps(Load16(q + kBytes * i, kAll), x0, b0);
    a1 = _mm512_fmadd_ps(Load16(p + kBytes * (i + 16), kAll), x1, a1);
    b1 = _mm512_fmadd_ps(Load16(q + kBytes * (i + 16), kAll), x1, b1);
    a2 = _mm512_fmadd_ps(Load16(p + kBytes * (i + 32), kAll), x2, a2);
    b2 = _mm512_fmadd_ps(Load16(q + kBytes * (i + 32), kAll), x2, b2);
    a3 = _mm512_fmadd_ps(Load16(p + kBytes * (i + 48), kAll), x3, a3);
    b3 = _mm512_fmadd_ps(Load16(q + kBytes * (i + 48), kAll), x3, b3);
  }
  for (; i + 16 <= n; i += 16) {
    const __m512 xi = _mm512_loadu_ps(x + i);
    a0 = _mm512_fmadd_ps(Load16(p + kBytes * i, kAll), xi, a0);
    b0 = _mm512_fmadd_ps(Load16(q + kBytes * i, kAll), xi, b0);
  }
  if (i < n) {
    const __mmask16 tail = first_lanes(n - i);
    const __m512 xi = _mm512_maskz_loadu_ps(tail, x + i);
    a1 = _mm512_fmadd_ps(Load16(p + kBytes * i, tail), xi, a1);
    b1 = _mm512_fmadd_ps(Load16(q + kBytes * i, tail), xi, b1);
  }
  *yp = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
  *yq = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(b0, b1), _mm512_add_ps(b2, b3)));
}

// Rows r and r + half go together (two streams through the matrix); an odd last row alone.
template <int kBytes, __m512 (*Load16)(const uint8_t*, __mmask16)>
void dot_multi(const void* w, size_t row_stride, int64_t n_rows, const float* x, int64_t x_stride, int64_t n_x,
               float* y, int64_t y_stride, int64_t n) {
  const auto* rows = static_cast<const uint8_t*>(w);
  const int64_t half = n_rows / 2;
  for (int64_t r = 0; r < half; ++r)
    for (int64_t j = 0; j < n_x; ++j)
      dot_two_rows<kBytes, Load16>(rows + r * row_stride, rows + (r + half) * row_stride, x + j * x_stride, n,
                                   &y[j * y_stride + r], &y[j * y_stride + r + half]);
  if (n_rows % 2 != 0)
    for (int64_t j = 0; j < n_x; ++j)
      y[j * y_stride + n_rows - 1] = dot_row<kBytes, Load16>(rows + (n_rows - 1) * row_stride, x + j * x_stride, n);
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
