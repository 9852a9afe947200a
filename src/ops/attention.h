// Causal grouped-query attention against a paged KV cache held as fp32 rows.
#pragma once

#include "ops/op_context.h"

namespace coreinfer::ops {

struct AttentionShape {
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;      // query head h reads KV head h / (n_heads / n_kv_heads)
  int64_t head_dim = 0;
  int64_t sliding_window = 0;  // 0: attend to every earlier position
};

// One sequence's keys and values in one layer, in blocks of block_tokens positions: position
// p is row p % block_tokens of logical block p / block_tokens, which is pool block
// blocks[p / block_tokens]. A block's K rows (and its V rows) are contiguous.
struct KvView {
  const float* base = nullptr;      // pool block b's K rows start at base + b * block_stride
  const int32_t* blocks = nullptr;  // the block table
  int64_t block_tokens = 0;
  int64_t block_stride = 0;         // floats between consecutive pool blocks
  int64_t v_offset = 0;             // floats from a block's K rows to its V rows
  int64_t row_stride = 0;           // floats between consecutive positions ([n_kv_heads * head_dim])

  const float* k_block(int64_t logical) const { return base + blocks[logical] * block_stride; }
  const float* v_block(int64_t logical) const { return k_block(logical) + v_offset; }
};

// q: [n][n_heads * head_dim]; query i is at position positions[i] and reads the cache kv[i]
// (tokens of different sequences read different caches), whose rows 0..positions[i] must
// already hold keys and values. out: [n][n_heads * head_dim]. scale is usually 1/sqrt(head_dim).
void attention(OpContext& ctx, const AttentionShape& shape, const float* q, const int32_t* positions, int64_t n,
               const KvView* kv, float scale, float* out);

}  // namespace coreinfer::ops
