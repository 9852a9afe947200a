#include "llm/kv_cache.h"

#include <algorithm>
#include <string>

namespace coreinfer::llm {

size_t KvCache::bytes_needed(int64_t n_layers, int64_t n_blocks, int64_t kv_dim) {
  return static_cast<size_t>(n_layers * n_blocks * 2 * kKvBlockTokens * kv_dim) * sizeof(float);
}

KvCache::KvCache(int64_t n_layers, int64_t n_slots, int64_t n_ctx, int64_t kv_dim, int64_t n_blocks)
    : n_layers_(n_layers),
      n_ctx_(n_ctx),
      kv_dim_(kv_dim),
      n_blocks_(n_blocks > 0 ? n_blocks : default_blocks(n_slots, n_ctx)),
      tables_(static_cast<size_t>(n_slots)),
      data_(bytes_needed(n_layers, n_blocks_, kv_dim)) {
  // Reserving the tables' full length here keeps reserve() free of allocation.
  for (auto& t : tables_) t.reserve(static_cast<size_t>(blocks_for(n_ctx)));
  free_.reserve(static_cast<size_t>(n_blocks_));
  for (int64_t b = n_blocks_ - 1; b >= 0; --b) free_.push_back(static_cast<int32_t>(b));
}

Status KvCache::reserve(int32_t slot, int64_t n_tokens) {
  if (slot < 0 || slot >= n_slots()) {
    return internal_error("KV-cache slot " + std::to_string(slot) + " is outside 0.." + std::to_string(n_slots() - 1));
  }
  if (n_tokens > n_ctx_) {
    return out_of_range(std::to_string(n_tokens) + " positions exceed the context of " + std::to_string(n_ctx_) +
                        " tokens");
  }
  std::vector<int32_t>& t = tables_[static_cast<size_t>(slot)];
  const int64_t missing = blocks_for(n_tokens) - static_cast<int64_t>(t.size());
  if (missing <= 0) return Status::ok();
  if (missing > free_blocks()) {
    return out_of_range("the KV cache is full: " + std::to_string(n_tokens) + " positions need " +
                        std::to_string(missing) + " more blocks of " + std::to_string(kKvBlockTokens) +
                        " tokens and " + std::to_string(free_blocks()) + " of " + std::to_string(n_blocks_) +
                        " are free (raise the KV-cache size or lower the parallel sequences)");
  }
  for (int64_t i = 0; i < missing; ++i) {
    t.push_back(free_.back());
    free_.pop_back();
  }
  return Status::ok();
}

void KvCache::truncate(int32_t slot, int64_t n_tokens) {
  if (slot < 0 || slot >= n_slots()) return;
  std::vector<int32_t>& t = tables_[static_cast<size_t>(slot)];
  const size_t keep = static_cast<size_t>(std::max<int64_t>(blocks_for(n_tokens), 0));
  while (t.size() > keep) {
    free_.push_back(t.back());
    t.pop_back();
  }
}

ops::KvView KvCache::view(int64_t layer, int32_t slot) const {
  ops::KvView v;
  v.base = data_.as<float>() + layer * n_blocks_ * block_floats();
  v.blocks = table(slot).data();
  v.block_tokens = kKvBlockTokens;
  v.block_stride = block_floats();
  v.v_offset = v_offset();
  v.row_stride = kv_dim_;
  return v;
}

}  // namespace coreinfer::llm
