// AVX2 kernels of the plain float weight types: dot products for F32, F16 and BF16, and the
// F16 / BF16 decoders (F32 decodes with memcpy, which the scalar kernel already does).
#include <cstring>

#include "kernels/x86/quant_x86.h"
#include "kernels/x86/simd_avx2.h"

namespace coreinfer::kernels {
namespace {

using namespace avx2;

__m256 load8_f32(const uint8_t* p) { return _mm256_loadu_ps(reinterpret_cast<const float*>(p)); }
__m256 load8_f16(const uint8_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
__m256 load8_bf16(const uint8_t* p) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

float load1_f32(const uint8_t* p) {
  float f;
  std::memcpy(&f, p, sizeof f);
  return f;
}
float load1_f16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, sizeof h);
  return half_to_float(h);
}
float load1_bf16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, sizeof h);
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// kBytes: bytes per element.
template <int kBytes, __m256 (*Load8)(const uint8_t*), float (*Load1)(const uint8_t*)>
float dot_row(const void* w, const float* x, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(w);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(Load8(p + kBytes * i), _mm256_loadu_ps(x + i), acc0);
    acc1 = _mm256_fmadd_ps(Load8(p + kBytes * (i + 8)), _mm256_loadu_ps(x + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(Load8(p + kBytes * (i + 16)), _mm256_loadu_ps(x + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(Load8(p + kBytes * (i + 24)), _mm256_loadu_ps(x + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(Load8(p + kBytes * i), _mm256_loadu_ps(x + i), acc0);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += Load1(p + kBytes * i) * x[i];
  return sum;
}

template <int kBytes, __m256 (*Load8)(const uint8_t*), float (*Load1)(const uint8_t*)>
void dequant_row(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, Load8(p + kBytes * i));
  for (; i < n; ++i) dst[i] = Load1(p + kBytes * i);
}

}  // namespace

void register_quant_float_avx2(KernelTable& t) {
  set_simd_weight_kernels<dot_row<4, load8_f32, load1_f32>>(t, DType::kF32, Isa::kAvx2, nullptr);
  set_simd_weight_kernels<dot_row<2, load8_f16, load1_f16>>(t, DType::kF16, Isa::kAvx2,
      dequant_row<2, load8_f16, load1_f16>);
  set_simd_weight_kernels<dot_row<2, load8_bf16, load1_bf16>>(t, DType::kBF16, Isa::kAvx2,
      dequant_row<2, load8_bf16, load1_bf16>);
}

}  // namespace coreinfer::kernels
