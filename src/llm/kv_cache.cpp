#include "llm/kv_cache.h"

namespace coreinfer::llm {

size_t KvCache::bytes_needed(int64_t n_layers, int64_t n_slots, int64_t n_ctx, int64_t kv_dim) {
  return static_cast<size_t>(n_layers * n_slots * 2 * n_ctx * kv_dim) * sizeof(float);
}

KvCache::KvCache(int64_t n_layers, int64_t n_slots, int64_t n_ctx, int64_t kv_dim)
    : n_layers_(n_layers), n_slots_(n_slots), n_ctx_(n_ctx), kv_dim_(kv_dim),
      data_(bytes_needed(n_layers, n_slots, n_ctx, kv_dim)) {}

}  // namespace coreinfer::llm
