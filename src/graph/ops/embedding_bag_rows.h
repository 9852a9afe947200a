// The id stream of an EmbeddingBag range, walked ahead of the summing loop: each id is checked and
// every cache line of its row prefetched, so that many rows are in flight at once (random rows of
// a big table are memory-latency bound; one row at a time reaches a fraction of the bandwidth).
#pragma once

#include <algorithm>
#include <cstdint>

#include "graph/ops/embedding_bag.h"

namespace coreinfer::embedding_bag {

template <typename Id>
class RowStream {
 public:
  // Ids [begin, end) of the flat ids of s.
  RowStream(const EmbeddingBagSums& s, int64_t begin, int64_t end)
      : ids_(static_cast<const Id*>(s.ids)),
        table_(s.table),
        rows_(s.rows),
        width_(s.width),
        end_(end),
        next_(begin),
        // ~8 KB of rows ahead (L1 holds 32+ KB), at least 2 and at most 32 rows.
        distance_(std::clamp<int64_t>(8192 / std::max<int64_t>(1, s.width * 4), 2, 32)) {}

  // Checks and prefetches the ids needed before row i is read (up to i + distance). False at an
  // invalid id, whose position is then bad_position().
  bool ready_for(int64_t i) {
    const int64_t upto = std::min(end_, i + distance_ + 1);
    for (; next_ < upto; ++next_) {
      const int64_t id = static_cast<int64_t>(ids_[next_]);
      if (static_cast<uint64_t>(id) + static_cast<uint64_t>(rows_) >= 2 * static_cast<uint64_t>(rows_)) return false;
      prefetch_row(table_ + (id < 0 ? id + rows_ : id) * width_);
    }
    return true;
  }
  int64_t bad_position() const { return next_; }

  // Row of the id at position i, which ready_for has checked.
  const float* row(int64_t i) const {
    const int64_t id = static_cast<int64_t>(ids_[i]);
    return table_ + (id < 0 ? id + rows_ : id) * width_;
  }

 private:
  void prefetch_row(const float* row) const {
    const auto first = reinterpret_cast<uintptr_t>(row) & ~uintptr_t{63};
    const auto end = reinterpret_cast<uintptr_t>(row + width_);
    for (uintptr_t line = first; line < end; line += 64) __builtin_prefetch(reinterpret_cast<const void*>(line));
  }

  const Id* ids_;
  const float* table_;
  int64_t rows_, width_, end_, next_, distance_;
};

}  // namespace coreinfer::embedding_bag
