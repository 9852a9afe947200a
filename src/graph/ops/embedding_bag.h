// coreinfer::EmbeddingBag: Gather(table, ids) followed by ReduceSum/ReduceMean over the ids'
// last axis, fused so the gathered rows are summed as they are read instead of materialised
// (recommendation models: a bag of ids per sample and table). Made by the fuse_embedding_bags pass.
#pragma once

#include "graph/graph.h"
#include "graph/op_kernel.h"
#include "graph/passes.h"

namespace coreinfer {

// Registers coreinfer::EmbeddingBag (inputs: table [V, D...], ids [..., K] int32/int64;
// attributes: mode "sum" | "mean", keepdims 0/1).
void register_embedding_bag(OpRegistry& r);

}  // namespace coreinfer
