// How QLinearConv's GEMM splits its work between threads (conv_partition.h): blocks tile every
// image exactly, fit the GEMM's scratch, and parallel_for's contiguous ranges get equal work.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "graph/ops/quant/conv_partition.h"

namespace coreinfer::quant_test {
namespace {

using quant::ConvPartition;
using quant::plan_conv_partition;

// The output pixels x output channels each thread computes, with the task order of run_gemm
// (split outermost, then image, then block) and the chunking of ThreadPool::parallel_for.
std::vector<int64_t> work_per_thread(const ConvPartition& p, int64_t batch, int64_t mg, int64_t threads) {
  const int64_t pixel_tasks = batch * p.blocks, tasks = pixel_tasks * p.oc_splits;
  const int64_t chunk = (mg + p.oc_splits - 1) / p.oc_splits;
  std::vector<int64_t> work(static_cast<size_t>(threads), 0);
  for (int64_t t = 0; t < threads; ++t) {
    const int64_t begin = tasks / threads * t + tasks % threads * t / threads;
    const int64_t end = tasks / threads * (t + 1) + tasks % threads * (t + 1) / threads;
    for (int64_t task = begin; task < end; ++task) {
      const int64_t split = task / pixel_tasks, b = task % pixel_tasks % p.blocks;
      const int64_t channels = std::min(mg, (split + 1) * chunk) - split * chunk;
      work[t] += (p.block_begin(b + 1) - p.block_begin(b)) * channels;
    }
  }
  return work;
}

TEST(ConvPartition, BlocksTileTheImage) {
  for (int64_t out : {1, 7, 15, 16, 17, 49, 127, 128, 129, 196, 300, 784, 3136, 12544})
    for (int64_t threads : {1, 2, 3, 4})
      for (int64_t batch : {1, 2, 8})
        for (int64_t mg : {1, 16, 32, 200, 5000}) {
          const ConvPartition p = plan_conv_partition(batch, out, mg, threads);
          SCOPED_TRACE("out " + std::to_string(out) + " threads " + std::to_string(threads) + " batch " +
                       std::to_string(batch) + " mg " + std::to_string(mg));
          ASSERT_GE(p.blocks, 1);
          ASSERT_GE(p.oc_splits, 1);
          ASSERT_LE(p.oc_splits, std::max<int64_t>(1, mg / 32));
          EXPECT_EQ(p.block_begin(0), 0);
          EXPECT_EQ(p.block_begin(p.blocks), out);
          int64_t most = 0;
          for (int64_t b = 0; b < p.blocks; ++b) {
            const int64_t size = p.block_begin(b + 1) - p.block_begin(b);
            ASSERT_GT(size, 0) << "block " << b;
            EXPECT_EQ(p.block_begin(b) % 16, 0) << "block " << b;
            most = std::max(most, size);
          }
          EXPECT_EQ(p.max_block_pixels(), most);
          EXPECT_LE(most, 128 + 15);  // the GEMM's scratch is sized for the largest block
        }
}

TEST(ConvPartition, OneThreadKeepsBlocksOf128Pixels) {
  const ConvPartition p = plan_conv_partition(1, 784, 32, 1);
  EXPECT_EQ(p.blocks, 7);
  EXPECT_EQ(p.oc_splits, 1);
  EXPECT_EQ(p.block_begin(6), 768);
}

// MobileNetV2's layers at batch 1 and 2 threads: the old fixed 128-pixel blocks gave one thread
// up to twice the other's work (28x28: 4 blocks against 3, the last of 16 pixels).
TEST(ConvPartition, ThreadsGetEqualWorkOnSmallImages) {
  struct Layer {
    int64_t out, mg;
  };
  for (const Layer& l : {Layer{784, 32}, Layer{784, 192}, Layer{196, 64}, Layer{196, 96}, Layer{196, 384},
                         Layer{3136, 24}, Layer{3136, 144}, Layer{49, 160}, Layer{49, 960}, Layer{12544, 16}})
    for (int64_t threads : {2, 3, 4}) {
      const ConvPartition p = plan_conv_partition(1, l.out, l.mg, threads);
      const std::vector<int64_t> work = work_per_thread(p, 1, l.mg, threads);
      const int64_t most = *std::max_element(work.begin(), work.end());
      int64_t total = 0;
      for (int64_t w : work) total += w;
      EXPECT_EQ(total, l.out * l.mg);
      // within one 16-pixel vector (or one 32-channel split) per task of the even share
      const double even = static_cast<double>(total) / threads;
      EXPECT_LE(most, even * 1.2 + 16 * l.mg) << "out " << l.out << " mg " << l.mg << " threads " << threads << ": blocks "
                                               << p.blocks << " splits " << p.oc_splits;
    }
}

TEST(ConvPartition, PixelsAreSplitWhenXOutweighsTheWeights) {
  const ConvPartition projection = plan_conv_partition(1, 196, 64, 2);  // 14x14, 384 -> 64
  EXPECT_EQ(projection.oc_splits, 1);
  EXPECT_EQ(projection.blocks, 2);
  EXPECT_EQ(projection.block_begin(1), 96);  // 96 + 100 pixels, not 128 + 68
  const ConvPartition late = plan_conv_partition(1, 784, 32, 2);  // 28x28: 8 blocks, not 7
  EXPECT_EQ(late.blocks, 8);
  const ConvPartition expansion = plan_conv_partition(1, 196, 384, 2);  // 14x14, 64 -> 384
  EXPECT_EQ(expansion.oc_splits, 2);
  EXPECT_EQ(expansion.blocks, 2);
  const ConvPartition small = plan_conv_partition(1, 49, 960, 2);  // 7x7, 160 -> 960
  EXPECT_EQ(small.oc_splits, 4);  // two per thread
  EXPECT_EQ(small.blocks, 1);
}

// Many images: blocks of 128 pixels, as with one thread (smaller ones measured slower).
TEST(ConvPartition, ManyImagesKeepBlocksOf128Pixels) {
  const ConvPartition p = plan_conv_partition(8, 3136, 144, 2);
  EXPECT_FALSE(p.even_blocks);
  EXPECT_EQ(p.blocks, 25);
  EXPECT_EQ(p.oc_splits, 1);
}

}  // namespace
}  // namespace coreinfer::quant_test
