// Portable EmbeddingBag sums: 32 columns of a bag's sum stay in eight 4-float vectors (GCC vector
// extensions: SSE2 or NEON registers) while its rows stream in; the last width % 32 columns are
// added into the output row. Same additions in the same order as the AVX-512 variant.
#include <cstring>

#include "graph/ops/embedding_bag.h"
#include "graph/ops/embedding_bag_rows.h"

namespace coreinfer {

namespace {

using Floats4 = float __attribute__((vector_size(16)));

Floats4 load4(const float* p) {
  Floats4 v;
  std::memcpy(&v, p, sizeof v);  // unaligned
  return v;
}

template <typename Id>
int64_t sums(const EmbeddingBagSums& s, int64_t bag_begin, int64_t bag_end) {
  constexpr int64_t kBlock = 32;
  const int64_t width = s.width, bag = s.bag, blocked = width / kBlock * kBlock;
  embedding_bag::RowStream<Id> stream(s, bag_begin * bag, bag_end * bag);
  for (int64_t b = bag_begin; b < bag_end; ++b) {
    float* out = s.out + b * width;
    for (int64_t c = 0; c < blocked; c += kBlock) {
      Floats4 acc[kBlock / 4] = {};
      for (int64_t i = b * bag; i < (b + 1) * bag; ++i) {
        if (!stream.ready_for(i)) return stream.bad_position();  // a no-op after the first block
        const float* row = stream.row(i) + c;
#pragma GCC unroll 8
        for (int j = 0; j < kBlock / 4; ++j) acc[j] += load4(row + 4 * j);
      }
#pragma GCC unroll 8
      for (int j = 0; j < kBlock / 4; ++j) {
        const Floats4 v = acc[j] * s.scale;
        std::memcpy(out + c + 4 * j, &v, sizeof v);
      }
    }
    if (blocked == width && width > 0) continue;  // (width 0 still walks the ids to check them)
    float* __restrict tail = out + blocked;
    const int64_t n = width - blocked;
    for (int64_t d = 0; d < n; ++d) tail[d] = 0.0f;
    for (int64_t i = b * bag; i < (b + 1) * bag; ++i) {
      if (!stream.ready_for(i)) return stream.bad_position();
      const float* __restrict row = stream.row(i) + blocked;
      for (int64_t d = 0; d < n; ++d) tail[d] += row[d];
    }
    for (int64_t d = 0; d < n; ++d) tail[d] *= s.scale;
  }
  return -1;
}

}  // namespace

int64_t embedding_bag_sums_generic(const EmbeddingBagSums& s, int64_t bag_begin, int64_t bag_end) {
  return s.ids_int64 ? sums<int64_t>(s, bag_begin, bag_end) : sums<int32_t>(s, bag_begin, bag_end);
}

}  // namespace coreinfer
