// The packed weight layouts (kernels/quant/packed.h) and the several-rows / several-vectors dot
// kernels (dot_multi), at the scalar level and every SIMD level this CPU supports, on random
// blocks over row lengths of 1 block, odd block counts (Q4_0P's trailing blocks; Q4_KP and Q6_KP
// rows longer than one run of converted scales) and long rows, with weights and activations at
// unaligned addresses. Layouts: Q4_0P, Q4_KP, Q6_KP (every type whose reference has a repack).
//   repack + packed dequant: bit for bit the GGUF dequant of the original row (same values).
//   packed dot vs the scalar GGUF dot: within the summation bound of quant_simd_test.cpp,
//     2 (n + 2) u S, S = sum |x_i| (|a_i| + |b_i|).
//   dot_multi: every result bit for bit the same kernel's result for that row and vector alone
//     (n_rows = n_x = 1), for every n_rows and 1 <= n_x <= 8; for the GGUF layout also dot_row's.
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

constexpr int kBlockCounts[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 64};

std::vector<int64_t> row_lengths(const WeightFormat& f) {
  std::vector<int64_t> lengths;
  if (f.block_size == 1) {
    for (int n : {1, 15, 16, 17, 64, 100, 1000}) lengths.push_back(n);
  } else {
    for (int b : kBlockCounts) lengths.push_back(static_cast<int64_t>(b) * f.block_size);
  }
  return lengths;
}

std::vector<WeightFormat> packed_formats(const KernelTable& t) {
  std::vector<WeightFormat> out;
  for (const WeightFormat& f : weight_formats())
    if (t.weight(f.type)->has_packed_layout()) out.push_back(f);
  return out;
}

// Bytes copied `offset` bytes past an allocation's start (F32 keeps float alignment).
struct Placed {
  Placed(const std::vector<uint8_t>& bytes, int offset) : storage(bytes.size() + offset), off(offset) {
    std::memcpy(storage.data() + off, bytes.data(), bytes.size());
  }
  const uint8_t* data() const { return storage.data() + off; }
  std::vector<uint8_t> storage;
  int off;
};

int unaligned_offset(const WeightFormat& f, int variant) {
  constexpr int kOffsets[] = {0, 1, 3, 7};
  return f.type == DType::kF32 ? 4 * kOffsets[variant % 4] : kOffsets[variant % 4];
}

std::vector<uint8_t> repack(const KernelTable& t, const WeightFormat& f, const std::vector<uint8_t>& w, int64_t n,
                            int64_t rows) {
  std::vector<uint8_t> out(w.size());
  const size_t stride = row_bytes(f.type, n);
  for (int64_t r = 0; r < rows; ++r) t.weight(f.type)->repack_row(w.data() + r * stride, out.data() + r * stride, n);
  return out;
}


class PackedLevelTest : public LevelTest {};

TEST_P(PackedLevelTest, RepackedRowsDecodeToTheSameValues) {
  std::mt19937 rng(11);
  const auto formats = packed_formats(ref);
  ASSERT_FALSE(formats.empty());
  for (const WeightFormat& f : formats) {
    const WeightKernels* k = simd.weight(f.type);
    ASSERT_NE(k->packed_dequant_row, nullptr) << format_name(f);
    int variant = 0;
    for (int64_t n : row_lengths(f)) {
      ++variant;
      const std::vector<uint8_t> w = random_weights(f, n, rng);
      const std::vector<uint8_t> packed = repack(ref, f, w, n, 1);
      ASSERT_EQ(packed.size(), row_bytes(f.type, n));
      std::vector<float> expected(n);
      ref.weight(f.type)->dequant_row(w.data(), expected.data(), n);
      const Placed placed(packed, unaligned_offset(f, variant));
      GuardedFloats out(n, variant % 3);
      k->packed_dequant_row(placed.data(), out.data(), n);
      ASSERT_TRUE(out.guards_intact()) << level() << " " << format_name(f) << " n=" << n;
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(std::memcmp(&out.data()[i], &expected[i], sizeof(float)), 0)
            << level() << " " << format_name(f) << " n=" << n << " element " << i << ": " << out.data()[i] << " vs "
            << expected[i];
      }
    }
  }
}

TEST_P(PackedLevelTest, PackedDotMatchesScalarWithinTheSummationBound) {
  std::mt19937 rng(13);
  for (const WeightFormat& f : packed_formats(ref)) {
    const WeightKernels* k = simd.weight(f.type);
    int variant = 0;
    for (int64_t n : row_lengths(f)) {
      for (int repeat = 0; repeat < 3; ++repeat) {
        ++variant;
        const std::vector<uint8_t> w = random_weights(f, n, rng);
        const Placed placed(repack(ref, f, w, n, 1), unaligned_offset(f, variant));
        GuardedFloats x(n, variant % 4);
        fill_uniform(x.data(), n, -1.0f, 1.0f, rng);
        const float expected = ref.weight(f.type)->dot_row(w.data(), x.data(), n);
        float actual = 0;
        k->packed_dot_multi(placed.data(), row_bytes(f.type, n), 1, x.data(), n, 1, &actual, 1, n);
        const double tolerance = 2.0 * (n + 2) * kU * magnitude(f, ref, w, x.data(), n);
        ASSERT_LE(std::fabs(static_cast<double>(actual) - expected), tolerance)
            << level() << " " << format_name(f) << " n=" << n << ": " << actual << " vs " << expected;
      }
    }
  }
}

// Every (row, vector) result of one dot_multi call equals the single-row single-vector result.
void expect_batch_invariant(const std::string& what, DotMultiFn dot, DotRowFn dot_row, const uint8_t* w,
                            size_t stride, int64_t rows, int64_t n, std::mt19937& rng) {
  const int64_t x_stride = n + 5;  // vectors apart, and every one but the first unaligned
  GuardedFloats x(x_stride * kMaxDotVectors, 1);
  fill_uniform(x.data(), x_stride * kMaxDotVectors, -1.0f, 1.0f, rng);
  std::vector<float> single(static_cast<size_t>(rows * kMaxDotVectors));
  for (int64_t j = 0; j < kMaxDotVectors; ++j) {
    for (int64_t r = 0; r < rows; ++r) {
      float v = 0;
      dot(w + r * stride, stride, 1, x.data() + j * x_stride, x_stride, 1, &v, 1, n);
      single[j * rows + r] = v;
      if (dot_row != nullptr) {
        const float d = dot_row(w + r * stride, x.data() + j * x_stride, n);
        ASSERT_EQ(std::memcmp(&d, &v, sizeof v), 0) << what << " row " << r << ": dot_multi " << v << " dot_row " << d;
      }
    }
  }
  for (int64_t n_x = 1; n_x <= kMaxDotVectors; ++n_x) {
    const int64_t y_stride = rows + 3;
    std::vector<float> y(static_cast<size_t>(y_stride * n_x), -1.0f);
    dot(w, stride, rows, x.data(), x_stride, n_x, y.data(), y_stride, n);
    for (int64_t j = 0; j < n_x; ++j) {
      for (int64_t r = 0; r < rows; ++r) {
        ASSERT_EQ(std::memcmp(&y[j * y_stride + r], &single[j * rows + r], sizeof(float)), 0)
            << what << " rows " << rows << " n_x " << n_x << " vector " << j << " row " << r << ": "
            << y[j * y_stride + r] << " vs " << single[j * rows + r];
      }
      for (int64_t r = rows; r < y_stride; ++r) ASSERT_EQ(y[j * y_stride + r], -1.0f) << what << " wrote past the rows";
    }
  }
}

TEST_P(PackedLevelTest, DotMultiIsBitIdenticalToOneRowOneVector) {
  std::mt19937 rng(17);
  for (const WeightFormat& f : weight_formats()) {
    const WeightKernels* k = simd.weight(f.type);
    ASSERT_NE(k->dot_multi, nullptr) << format_name(f);
    int variant = 0;
    const std::vector<int64_t> lengths = row_lengths(f);
    for (int64_t n : {lengths.front(), lengths[2], lengths.back()}) {
      for (int64_t rows : {1, 2, 5, 7, 8, 13}) {  // 7, 13: rows left over from groups of 4
        ++variant;
        const std::vector<uint8_t> w = random_weights(f, n * rows, rng);  // rows * n elements, row after row
        const size_t stride = row_bytes(f.type, n);
        const Placed gguf(w, unaligned_offset(f, variant));
        const std::string what = level() + " " + format_name(f) + " n=" + std::to_string(n);
        expect_batch_invariant(what + " (GGUF)", k->dot_multi, k->dot_row, gguf.data(), stride, rows, n, rng);
        if (!k->has_packed_layout()) continue;
        const Placed packed(repack(ref, f, w, n, rows), unaligned_offset(f, variant + 1));
        expect_batch_invariant(what + " (packed)", k->packed_dot_multi, nullptr, packed.data(), stride, rows, n, rng);
      }
    }
  }
}

TEST_P(PackedLevelTest, PackedLayoutsHaveKernelsOfThisLevel) {
  const Isa level = GetParam();
  const bool arm = level == Isa::kNeon || level == Isa::kDotprod || level == Isa::kI8mm || level == Isa::kSve;
  const Isa expected = arm ? Isa::kNeon : level == Isa::kAvx512Vnni ? Isa::kAvx512 : level;
  for (DType type : {DType::kQ4_0, DType::kQ4_K, DType::kQ6_K}) {
    const WeightKernels* k = simd.weight(type);
    ASSERT_TRUE(k->has_packed_layout()) << dtype_name(type);
    EXPECT_EQ(k->packed_isa, expected) << dtype_name(type);
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, PackedLevelTest, ::testing::ValuesIn(kAllLevels), level_test_name);

}  // namespace
}  // namespace coreinfer::kernels::testing
