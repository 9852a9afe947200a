#include "graph/ops/quant/conv_partition.h"

#include <algorithm>

namespace coreinfer::quant {
namespace {

constexpr int64_t kBlockPixels = 128;  // pixels per block when nothing else asks for smaller ones
constexpr int64_t kMinBlockPixels = 16;

// Enough tasks for contiguous ranges to share evenly: a multiple of the threads, or so many that
// one task more or less hardly matters.
bool shares_evenly(int64_t tasks, int64_t threads, int64_t many) {
  return tasks % threads == 0 || tasks >= many * threads;
}

}  // namespace

int64_t ConvPartition::block_begin(int64_t b) const {
  if (b >= blocks) return out_size;
  if (!even_blocks) return b * kBlockPixels;
  // b * out_size / blocks to the nearest multiple of 16
  const int64_t at = (b * out_size + blocks * kMinBlockPixels / 2) / (blocks * kMinBlockPixels) * kMinBlockPixels;
  return std::min(at, out_size);
}

int64_t ConvPartition::max_block_pixels() const {
  int64_t most = 0;
  for (int64_t b = 0; b < blocks; ++b) most = std::max(most, block_begin(b + 1) - block_begin(b));
  return most;
}

ConvPartition plan_conv_partition(int64_t batch, int64_t out_size, int64_t mg, int64_t threads) {
  ConvPartition p;
  p.out_size = out_size;
  p.blocks = std::max<int64_t>(1, (out_size + kBlockPixels - 1) / kBlockPixels);
  if (threads <= 1) return p;
  // X (k x out_size) larger than the weights (mg x k): split pixels. Weighting X more (its
  // packing costs more than reading weights) measured slower: the 14x14 expansions then split
  // pixels and the depthwise after them, which splits channels, reads across cores.
  if (out_size > mg) {
    // With few tasks, blocks of equal size rather than a short last one, and more of them (of
    // at least 16 pixels) until the threads get equal shares. With many, blocks of 128 pixels
    // (smaller ones measured a little slower under load).
    if (batch * p.blocks >= 8 * threads) return p;
    p.even_blocks = true;
    const int64_t most = std::max(p.blocks, out_size / kMinBlockPixels);
    while (p.blocks < most && !shares_evenly(batch * p.blocks, threads, 8)) ++p.blocks;
    return p;
  }
  // with the split as the outer task index, contiguous ranges of a multiple of the threads are equal
  const int64_t pixel_tasks = batch * p.blocks, max_splits = std::max<int64_t>(1, mg / 32);
  while (p.oc_splits < max_splits) {
    const int64_t tasks = pixel_tasks * p.oc_splits;
    if (tasks >= 2 * threads && shares_evenly(tasks, threads, 8)) break;
    ++p.oc_splits;
  }
  return p;
}

}  // namespace coreinfer::quant
