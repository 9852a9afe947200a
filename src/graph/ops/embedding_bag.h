// coreinfer::EmbeddingBag: Gather(table, ids) followed by ReduceSum/ReduceMean over the ids'
// last axis, fused so the gathered rows are summed as they are read instead of materialised
// (recommendation models: a bag of ids per sample and table). Made by the fuse_embedding_bags pass.
#pragma once

#include <cstdint>

#include "graph/graph.h"
#include "graph/op_kernel.h"
#include "graph/passes.h"

namespace coreinfer {

// Registers coreinfer::EmbeddingBag (inputs: table [V, D...], ids [..., K] int32/int64;
// attributes: mode "sum" | "mean", keepdims 0/1).
void register_embedding_bag(OpRegistry& r);

// The gather-and-sum loop behind the op, one variant per ISA (chosen at build from the kernel
// table): out row b = scale * sum over k < bag of table row ids[b * bag + k] (negative ids wrap).
struct EmbeddingBagSums {
  const float* table = nullptr;
  int64_t rows = 0, width = 0;  // table [rows, width]
  const void* ids = nullptr;    // [bags, bag], int64 or int32
  bool ids_int64 = true;
  int64_t bag = 0;
  float scale = 1.0f;
  float* out = nullptr;  // [bags, width]
};

// Sums bags [bag_begin, bag_end). Every id is range-checked before its row is read: returns the
// flat position of the first id outside [-rows, rows) in the range (the outputs of the range are
// then partly written), or -1 when all are valid.
using EmbeddingBagSumsFn = int64_t (*)(const EmbeddingBagSums& s, int64_t bag_begin, int64_t bag_end);

int64_t embedding_bag_sums_generic(const EmbeddingBagSums& s, int64_t bag_begin, int64_t bag_end);
#if defined(__x86_64__)
int64_t embedding_bag_sums_avx512(const EmbeddingBagSums& s, int64_t bag_begin, int64_t bag_end);
#endif

}  // namespace coreinfer
