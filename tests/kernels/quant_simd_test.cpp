// The SIMD weight kernels of each level this CPU supports against the scalar reference, on
// random blocks (every quant/scale bit pattern, fp16 scales of both signs), over row lengths of
// 1 block, odd block counts and long rows, with weights and activations at unaligned addresses.
//   dequant_row: bit for bit (the SIMD decoders use the scalar kernels' operations, no FMA).
//   dot_row:     |simd - ref| <= 2 (n + 2) u S, u = 2^-24, S = sum |x_i| (|a_i| + |b_i|), where
//                w_i = a_i + b_i splits a weight into its quant-scaled part and its offset (b = 0
//                for formats without a min). Derivation: each side decodes w_i with error
//                <= 2u (|a_i| + |b_i|) (a product and a subtraction, or one FMA), rounds the
//                product with x_i (u) and sums n terms in some order (<= (n - 1) u sum|terms|),
//                so each is within (n + 2) u S of the exact sum, to first order.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/math_test_util.h"
#include "kernels/quant_test_util.h"

namespace coreinfer::kernels::testing {
namespace {

// Row lengths in blocks: one block, odd counts, a multiple of every unroll factor, long rows.
constexpr int kBlockCounts[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 64};
// Row lengths of the block-size-1 float types: below, at and around the 8/16/32/64 steps.
constexpr int kFloatLengths[] = {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255, 1000, 4099};

std::vector<int64_t> row_lengths(const WeightFormat& f) {
  std::vector<int64_t> lengths;
  if (f.block_size == 1) {
    for (int n : kFloatLengths) lengths.push_back(n);
  } else {
    for (int b : kBlockCounts) lengths.push_back(static_cast<int64_t>(b) * f.block_size);
  }
  return lengths;
}

// A byte offset off any alignment (the allocation itself is 16-byte aligned); F32 rows keep float alignment (the scalar F32 kernel reads
// floats directly).
int weight_offset(const WeightFormat& f, int variant) {
  constexpr int kOffsets[] = {0, 1, 3, 7};
  const int off = kOffsets[variant % 4];
  return f.type == DType::kF32 ? 4 * off : off;
}

// A copy of the weights `offset` bytes into an allocation that ends with the row, so that a
// sanitizer build catches any read past it.
class PlacedBytes {
 public:
  PlacedBytes(const std::vector<uint8_t>& bytes, int offset) : storage_(bytes.size() + offset), offset_(offset) {
    std::memcpy(storage_.data() + offset, bytes.data(), bytes.size());
  }
  const uint8_t* data() const { return storage_.data() + offset_; }

 private:
  std::vector<uint8_t> storage_;
  int offset_;
};


class QuantLevelTest : public LevelTest {};

TEST_P(QuantLevelTest, DequantMatchesScalarBitForBit) {
  std::mt19937 rng(42);
  for (const WeightFormat& f : weight_formats()) {
    const WeightKernels* k = simd.weight(f.type);
    ASSERT_NE(k, nullptr) << format_name(f);
    int variant = 0;
    for (int64_t n : row_lengths(f)) {
      ++variant;
      const std::vector<uint8_t> w = random_weights(f, n, rng);
      const PlacedBytes placed(w, weight_offset(f, variant));
      std::vector<float> expected(n);
      ref.weight(f.type)->dequant_row(w.data(), expected.data(), n);
      GuardedFloats out(n, variant % 3);
      k->dequant_row(placed.data(), out.data(), n);
      ASSERT_TRUE(out.guards_intact()) << level() << " " << format_name(f) << " n=" << n << " wrote outside the row";
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(std::memcmp(&out.data()[i], &expected[i], sizeof(float)), 0)
            << level() << " " << format_name(f) << " n=" << n << " element " << i << ": " << out.data()[i]
            << " vs " << expected[i];
      }
    }
  }
}

TEST_P(QuantLevelTest, DotMatchesScalarWithinTheSummationBound) {
  std::mt19937 rng(7);
  for (const WeightFormat& f : weight_formats()) {
    const WeightKernels* k = simd.weight(f.type);
    ASSERT_NE(k, nullptr) << format_name(f);
    int variant = 0;
    for (int64_t n : row_lengths(f)) {
      for (int repeat = 0; repeat < 3; ++repeat) {
        ++variant;
        const std::vector<uint8_t> w = random_weights(f, n, rng);
        const PlacedBytes placed(w, weight_offset(f, variant));
        GuardedFloats x(n, variant % 4);
        fill_uniform(x.data(), n, -1.0f, 1.0f, rng);

        const float expected = ref.weight(f.type)->dot_row(w.data(), x.data(), n);
        const float actual = k->dot_row(placed.data(), x.data(), n);
        const double tolerance = 2.0 * (n + 2) * kU * magnitude(f, ref, w, x.data(), n);
        ASSERT_LE(std::fabs(static_cast<double>(actual) - expected), tolerance)
            << level() << " " << format_name(f) << " n=" << n << ": " << actual << " vs " << expected;
      }
    }
  }
}

// The levels whose kernels each format has: guards against a family silently falling back.
TEST_P(QuantLevelTest, EveryFormatHasKernelsOfThisLevel) {
  // The fp32-path weight kernels come from avx2 / avx512 on x86 and neon on every Arm level
  // (the higher Arm levels add the 8-bit path, see quant_int8_test.cpp).
  const Isa level = GetParam();
  const bool x86 = level == Isa::kAvx2 || level == Isa::kAvx512 || level == Isa::kAvx512Vnni;
  const Isa expected = !x86 ? Isa::kNeon : level == Isa::kAvx2 ? Isa::kAvx2 : Isa::kAvx512;
  for (const WeightFormat& f : weight_formats()) {
    const WeightKernels* k = simd.weight(f.type);
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(k->dot_isa, expected) << format_name(f);
    // F32 rows decode with memcpy, which the scalar kernel already is.
    EXPECT_EQ(k->dequant_isa, f.type == DType::kF32 ? Isa::kScalar : expected) << format_name(f);
    EXPECT_NE(k->quantize_row, nullptr) << format_name(f);
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, QuantLevelTest, ::testing::ValuesIn(kSimdLevels), level_test_name);

}  // namespace
}  // namespace coreinfer::kernels::testing
