// AVX-512 EmbeddingBag sums: a bag's sum over 64 columns at a time stays in four zmm registers
// (masked loads for the last, partial block), so each row costs four loads and four adds.
#include <immintrin.h>

#include "graph/ops/embedding_bag.h"
#include "graph/ops/embedding_bag_rows.h"

namespace coreinfer {

namespace {

__mmask16 lanes(int64_t n) { return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1); }

template <typename Id>
int64_t sums(const EmbeddingBagSums& s, int64_t bag_begin, int64_t bag_end) {
  const int64_t width = s.width, bag = s.bag;
  if (width == 0) return embedding_bag_sums_generic(s, bag_begin, bag_end);  // still checks the ids
  const __m512 scale = _mm512_set1_ps(s.scale);
  embedding_bag::RowStream<Id> stream(s, bag_begin * bag, bag_end * bag);
  for (int64_t b = bag_begin; b < bag_end; ++b) {
    float* out = s.out + b * width;
    for (int64_t c = 0; c < width; c += 64) {
      const __mmask16 m0 = lanes(width - c), m1 = lanes(width - c - 16), m2 = lanes(width - c - 32),
                      m3 = lanes(width - c - 48);
      __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
      for (int64_t i = b * bag; i < (b + 1) * bag; ++i) {
        if (!stream.ready_for(i)) return stream.bad_position();  // a no-op after the first block
        const float* row = stream.row(i) + c;
        a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(m0, row));
        a1 = _mm512_add_ps(a1, _mm512_maskz_loadu_ps(m1, row + 16));
        a2 = _mm512_add_ps(a2, _mm512_maskz_loadu_ps(m2, row + 32));
        a3 = _mm512_add_ps(a3, _mm512_maskz_loadu_ps(m3, row + 48));
      }
      _mm512_mask_storeu_ps(out + c, m0, _mm512_mul_ps(a0, scale));
      _mm512_mask_storeu_ps(out + c + 16, m1, _mm512_mul_ps(a1, scale));
      _mm512_mask_storeu_ps(out + c + 32, m2, _mm512_mul_ps(a2, scale));
      _mm512_mask_storeu_ps(out + c + 48, m3, _mm512_mul_ps(a3, scale));
    }
  }
  return -1;
}

}  // namespace

int64_t embedding_bag_sums_avx512(const EmbeddingBagSums& s, int64_t bag_begin, int64_t bag_end) {
  return s.ids_int64 ? sums<int64_t>(s, bag_begin, bag_end) : sums<int32_t>(s, bag_begin, bag_end);
}

}  // namespace coreinfer
