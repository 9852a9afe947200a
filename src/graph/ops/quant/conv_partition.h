// How the conv GEMM of qlinear_conv.cpp splits one call into thread-pool tasks: pixel blocks of
// each image, and splits of the output channels. Splitting pixels, each thread packs part of X
// and reads all the weights; splitting output channels, each packs all of X and reads part of
// the weights. Pixels are split when X is the larger (out_size > output channels per group),
// output channels otherwise (late, small layers). The counts are chosen so that parallel_for's
// contiguous ranges get equal work.
#pragma once

#include <cstdint>

namespace coreinfer::quant {

struct ConvPartition {
  int64_t out_size = 0;   // output pixels per image
  int64_t blocks = 1;     // pixel blocks per image
  int64_t oc_splits = 1;  // output-channel splits of every block
  bool even_blocks = false;  // blocks of about equal size, else of 128 pixels (the last one less)
  // First pixel of block b of an image (b == blocks: out_size), a multiple of 16 pixels (the
  // GEMM's vector).
  int64_t block_begin(int64_t b) const;
  int64_t max_block_pixels() const;  // the largest block, at most 128 + 15
};

// batch, out_size, output channels per group (mg) >= 1; threads >= 1.
ConvPartition plan_conv_partition(int64_t batch, int64_t out_size, int64_t mg, int64_t threads);

}  // namespace coreinfer::quant
