// The key/value cache: for each sequence slot and layer, fp32 rows of n_kv_heads·head_dim
// for positions 0..n_ctx-1. Allocated once; sequences reuse their slot.
#pragma once

#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/status.h"
#include "ops/attention.h"

namespace coreinfer::llm {

class KvCache {
 public:
  // Throws std::bad_alloc if the memory is not there; use bytes_needed() to check first.
  KvCache(int64_t n_layers, int64_t n_slots, int64_t n_ctx, int64_t kv_dim);
  static size_t bytes_needed(int64_t n_layers, int64_t n_slots, int64_t n_ctx, int64_t kv_dim);

  int64_t n_ctx() const { return n_ctx_; }
  int64_t n_slots() const { return n_slots_; }
  int64_t kv_dim() const { return kv_dim_; }

  float* k_row(int64_t layer, int64_t slot, int64_t pos) { return base(layer, slot, 0) + pos * kv_dim_; }
  float* v_row(int64_t layer, int64_t slot, int64_t pos) { return base(layer, slot, 1) + pos * kv_dim_; }
  ops::KvView view(int64_t layer, int64_t slot) { return {base(layer, slot, 0), base(layer, slot, 1), kv_dim_}; }

 private:
  float* base(int64_t layer, int64_t slot, int kv) {
    return data_.as<float>() + (((layer * n_slots_ + slot) * 2 + kv) * n_ctx_) * kv_dim_;
  }
  int64_t n_layers_, n_slots_, n_ctx_, kv_dim_;
  AlignedBuffer data_;
};

}  // namespace coreinfer::llm
