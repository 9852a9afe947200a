// AVX-512 pack_quad (conv_gemm.h): four byte rows interleaved into 32-bit words, 64 pixels per
// step with byte/word unpacks and a 4x4 transpose of the 128-bit lanes; and gather_even.
#if defined(__x86_64__)
#include <immintrin.h>

#include "graph/ops/quant/conv_gemm.h"

namespace coreinfer::quant {

void pack_quad_avx512(const uint8_t* const* src, int64_t rows, int64_t pixels, uint8_t flip, uint32_t* dst) {
  uint32_t flips = 0;
  for (int j = 0; j < 4; ++j)
    if (src[j] != nullptr) flips |= uint32_t{flip} << (8 * j);
  const __m512i flip_v = _mm512_set1_epi32(static_cast<int>(flips));
  auto load = [&](int j, int64_t r, __mmask64 m) {
    return src[j] == nullptr ? _mm512_setzero_si512() : _mm512_maskz_loadu_epi8(m, src[j] + r);
  };
  for (int64_t r = 0; r < rows; r += 64) {
    const int64_t n = rows - r < 64 ? rows - r : 64;
    const __mmask64 m = n == 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
    const __m512i a = load(0, r, m), b = load(1, r, m), c = load(2, r, m), d = load(3, r, m);
    const __m512i ab_lo = _mm512_unpacklo_epi8(a, b), ab_hi = _mm512_unpackhi_epi8(a, b);
    const __m512i cd_lo = _mm512_unpacklo_epi8(c, d), cd_hi = _mm512_unpackhi_epi8(c, d);
    // per 128-bit lane L: w0 = pixels 16L+0..3, w1 = +4..7, w2 = +8..11, w3 = +12..15
    const __m512i w0 = _mm512_unpacklo_epi16(ab_lo, cd_lo), w1 = _mm512_unpackhi_epi16(ab_lo, cd_lo);
    const __m512i w2 = _mm512_unpacklo_epi16(ab_hi, cd_hi), w3 = _mm512_unpackhi_epi16(ab_hi, cd_hi);
    const __m512i t0 = _mm512_shuffle_i64x2(w0, w1, 0x44), t1 = _mm512_shuffle_i64x2(w2, w3, 0x44);
    const __m512i t2 = _mm512_shuffle_i64x2(w0, w1, 0xEE), t3 = _mm512_shuffle_i64x2(w2, w3, 0xEE);
    const __m512i out[4] = {_mm512_shuffle_i64x2(t0, t1, 0x88), _mm512_shuffle_i64x2(t0, t1, 0xDD),
                            _mm512_shuffle_i64x2(t2, t3, 0x88), _mm512_shuffle_i64x2(t2, t3, 0xDD)};
    for (int v = 0; v < 4; ++v) {
      const int64_t left = n - 16 * v;  // real pixels in this vector
      if (left >= 16) {
        _mm512_storeu_si512(dst + r + 16 * v, _mm512_xor_si512(out[v], flip_v));
      } else if (r + 16 * v < pixels) {  // the tail vector: zero words past `rows`, up to `pixels`
        const __mmask16 keep = left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
        const int64_t room = pixels - r - 16 * v;
        const __mmask16 store = room >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << room) - 1);
        _mm512_mask_storeu_epi32(dst + r + 16 * v, store, _mm512_maskz_xor_epi32(keep, out[v], flip_v));
      }
    }
  }
  for (int64_t r = (rows + 63) / 64 * 64; r < pixels; ++r) dst[r] = 0;
}

// 32 outputs per step: the 64 source bytes as 16-bit words, narrowed to their low bytes. Masked
// loads never touch src[2n - 1] and beyond.
void gather_even_avx512(const uint8_t* src, int64_t n, uint8_t* dst) {
  const int64_t bytes = 2 * n - 1;  // src bytes that may be read
  for (int64_t i = 0; i < n; i += 32) {
    const int64_t left = bytes - 2 * i;
    const __mmask64 load = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
    const int64_t m = n - i < 32 ? n - i : 32;
    const __mmask32 store = m == 32 ? ~__mmask32{0} : (__mmask32{1} << m) - 1;
    _mm256_mask_storeu_epi8(dst + i, store, _mm512_cvtepi16_epi8(_mm512_maskz_loadu_epi8(load, src + 2 * i)));
  }
}

}  // namespace coreinfer::quant
#endif
