// The key/value cache, paged: one pool of blocks shared by every sequence slot. A block holds
// kKvBlockTokens consecutive positions of one sequence, for every layer, as fp32 rows of
// n_kv_heads·head_dim (K rows, then V rows). Each slot has a block table (logical block i of
// the sequence → pool block); blocks come from a free list as a sequence grows and go back
// when it is truncated or released. All memory is allocated once, in the constructor.
//
// Memory layout: [layer][block][K|V][kKvBlockTokens][kv_dim], so a block's rows are
// contiguous and one layer's blocks share a region.
#pragma once

#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/status.h"
#include "ops/attention.h"

namespace coreinfer::llm {

inline constexpr int64_t kKvBlockTokens = 16;

class KvCache {
 public:
  // n_blocks 0: enough for every slot to hold n_ctx positions (blocks_for(n_ctx) · n_slots).
  // Throws std::bad_alloc if the memory is not there; use bytes_needed() to check first.
  KvCache(int64_t n_layers, int64_t n_slots, int64_t n_ctx, int64_t kv_dim, int64_t n_blocks = 0);
  static int64_t default_blocks(int64_t n_slots, int64_t n_ctx) { return n_slots * blocks_for(n_ctx); }
  static size_t bytes_needed(int64_t n_layers, int64_t n_blocks, int64_t kv_dim);
  // Blocks covering positions 0..n_tokens-1.
  static int64_t blocks_for(int64_t n_tokens) { return (n_tokens + kKvBlockTokens - 1) / kKvBlockTokens; }

  int64_t n_layers() const { return n_layers_; }
  int64_t n_ctx() const { return n_ctx_; }
  int64_t n_slots() const { return static_cast<int64_t>(tables_.size()); }
  int64_t kv_dim() const { return kv_dim_; }
  int64_t total_blocks() const { return n_blocks_; }
  int64_t free_blocks() const { return static_cast<int64_t>(free_.size()); }
  int64_t used_blocks() const { return n_blocks_ - free_blocks(); }
  // Positions the slot's blocks cover (a multiple of kKvBlockTokens).
  int64_t capacity(int32_t slot) const { return static_cast<int64_t>(table(slot).size()) * kKvBlockTokens; }

  // Makes the slot's blocks cover positions 0..n_tokens-1, taking blocks from the free list.
  // Out of range (and nothing taken) when n_tokens exceeds n_ctx or the pool has too few
  // free blocks; then the slot keeps what it had.
  Status reserve(int32_t slot, int64_t n_tokens);
  // Keeps the blocks covering positions 0..n_tokens-1 and returns the rest to the pool.
  void truncate(int32_t slot, int64_t n_tokens);
  void release(int32_t slot) { truncate(slot, 0); }

  // Rows of a position the slot's blocks cover (reserve first).
  float* k_row(int64_t layer, int32_t slot, int64_t pos) {
    return block_base(layer, table(slot)[static_cast<size_t>(pos / kKvBlockTokens)]) +
           (pos % kKvBlockTokens) * kv_dim_;
  }
  float* v_row(int64_t layer, int32_t slot, int64_t pos) { return k_row(layer, slot, pos) + v_offset(); }
  // Valid until the slot's table changes (reserve, truncate, release).
  ops::KvView view(int64_t layer, int32_t slot) const;

 private:
  int64_t block_floats() const { return 2 * kKvBlockTokens * kv_dim_; }
  int64_t v_offset() const { return kKvBlockTokens * kv_dim_; }
  float* block_base(int64_t layer, int32_t block) {
    return data_.as<float>() + (layer * n_blocks_ + block) * block_floats();
  }
  const std::vector<int32_t>& table(int32_t slot) const { return tables_[static_cast<size_t>(slot)]; }

  int64_t n_layers_, n_ctx_, kv_dim_, n_blocks_;
  std::vector<std::vector<int32_t>> tables_;  // per slot; capacity reserved up front
  std::vector<int32_t> free_;                 // a stack; the back is taken first
  AlignedBuffer data_;
};

}  // namespace coreinfer::llm
