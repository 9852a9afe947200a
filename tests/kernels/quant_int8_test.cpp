// The 8-bit activation path (kernels/quant/int8_path.h) at the scalar level and every SIMD level
// this CPU supports, on random blocks over odd and long row lengths, at unaligned addresses:
//   quantize_act: the scalar quantizer against the Q8A definition (|x - d q| <= d / 2, sums);
//                 every level bit for bit the scalar one.
//   repack + int8_dequant_row: bit for bit the GGUF dequant of the original row.
//   int8_dot_multi: within 2 (n / 16 + 4) u S of the exact (double) dot of the decoded weights
//                   with the decoded activations, S = sum |x^_e| (|w_e| + 2 |b_e|) (b_e the
//                   weight's min part: only Q4_K has one); each result bit for bit the same
//                   kernel's result for that row and vector alone, for any n_rows and n_x <= 8.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/math_test_util.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/int8_path.h"
#include "kernels/quant_test_util.h"

namespace coreinfer::kernels::testing {
namespace {

const DType kInt8Types[] = {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K};

const WeightFormat& format_of(DType t) {
  for (const WeightFormat& f : weight_formats())
    if (f.type == t) return f;
  throw std::runtime_error("no format");
}

std::vector<int64_t> row_lengths(const WeightFormat& f) {
  std::vector<int64_t> lengths;
  const int per = f.block_size;
  for (int b : {1, 2, 3, 5, 8, 9, 17}) lengths.push_back(static_cast<int64_t>(b) * per);
  if (per == 32) lengths.push_back(176 * 32);  // TinyLlama's FFN width 5632
  return lengths;
}

// Random activations in [-2, 2], with an all-zero block, an outlier and exact ties (x = k/2 d).
std::vector<float> random_activations(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  if (n >= 64)
    for (int i = 32; i < 64; ++i) x[i] = 0.0f;
  x[n / 2] = 37.0f;
  if (n >= 96) {
    x[64] = 127.0f;  // d = 1: the block's other values tie at halves
    for (int i = 65; i < 96; ++i) x[i] = 0.5f * static_cast<float>(i - 80);
  }
  return x;
}

std::vector<uint8_t> quantized(const KernelTable& t, const std::vector<float>& x) {
  std::vector<uint8_t> q(q8a_bytes(static_cast<int64_t>(x.size())));
  t.quantize_act(x.data(), q.data(), static_cast<int64_t>(x.size()));
  return q;
}

// x^_e = d_x[e / 32] * q_x[e] in double.
std::vector<double> decoded_activations(const std::vector<uint8_t>& xq, int64_t n) {
  std::vector<double> x(n);
  for (int64_t e = 0; e < n; ++e)
    x[e] = static_cast<double>(q8a_scale(xq.data(), n, e / 32)) * static_cast<int8_t>(xq[e]);
  return x;
}

// |b_e|: the min part of a weight (only Q4_K here), for the error bound.
std::vector<double> min_parts(DType type, const std::vector<uint8_t>& w, int64_t n) {
  std::vector<double> b(n, 0.0);
  if (type != DType::kQ4_K) return b;
  const auto* blocks = reinterpret_cast<const BlockQ4_K*>(w.data());
  for (int64_t e = 0; e < n; ++e) {
    const BlockQ4_K& blk = blocks[e / 256];
    uint8_t sc, m;
    q4k_scale_min(blk.scales, static_cast<int>(e % 256) / 32, &sc, &m);
    b[e] = std::fabs(static_cast<double>(fp16_to_float(blk.dmin))) * m;
  }
  return b;
}

class Int8LevelTest : public LevelTest {};

TEST_P(Int8LevelTest, ScalarQuantizerFollowsTheQ8ADefinition) {
  std::mt19937 rng(7);
  for (int64_t n : {32, 96, 256, 5632}) {
    const std::vector<float> x = random_activations(n, rng);
    const std::vector<uint8_t> xq = quantized(ref, x);
    for (int64_t b = 0; b < n / 32; ++b) {
      float amax = 0.0f;
      for (int i = 0; i < 32; ++i) amax = std::fmax(amax, std::fabs(x[b * 32 + i]));
      const float d = q8a_scale(xq.data(), n, b);
      ASSERT_EQ(d, amax / 127.0f) << "n=" << n << " block " << b;
      for (int i = 0; i < 32; ++i) {
        const int64_t e = b * 32 + i;
        const int q = static_cast<int8_t>(xq[e]);
        ASSERT_LE(std::abs(q), 127);
        ASSERT_LE(std::fabs(x[e] - d * static_cast<float>(q)), 0.5f * d * (1.0f + 1e-5f) + 1e-30f) << "e=" << e;
      }
    }
    for (int64_t g = 0; g < n / 16; ++g) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += static_cast<int8_t>(xq[g * 16 + i]);
      ASSERT_EQ(q8a_sum(xq.data(), n, g), sum) << "group " << g;
    }
  }
}

TEST_P(Int8LevelTest, QuantizeActIsBitIdenticalToScalar) {
  std::mt19937 rng(11);
  for (int64_t n : {32, 64, 96, 160, 256, 288, 2048, 5632}) {
    const std::vector<float> x = random_activations(n, rng);
    const std::vector<uint8_t> expected = quantized(ref, x);
    for (int offset : {0, 1, 5}) {
      std::vector<uint8_t> out(q8a_bytes(n) + offset + 64, 0xA5);
      simd.quantize_act(x.data(), out.data() + offset, n);
      ASSERT_EQ(std::memcmp(out.data() + offset, expected.data(), expected.size()), 0)
          << level() << " n=" << n << " offset " << offset;
      for (size_t i = offset + expected.size(); i < out.size(); ++i) ASSERT_EQ(out[i], 0xA5) << "wrote past the end";
    }
  }
}

TEST_P(Int8LevelTest, RepackedRowsDecodeToTheGgufValues) {
  std::mt19937 rng(3);
  for (DType type : kInt8Types) {
    const WeightFormat& f = format_of(type);
    const WeightKernels* k = simd.weight(type);
    ASSERT_TRUE(k != nullptr && k->has_int8_path()) << format_name(f);
    for (int64_t n : row_lengths(f)) {
      const std::vector<uint8_t> w = random_weights(f, n, rng);
      std::vector<uint8_t> layout = w;
      if (k->int8_repack_row != nullptr) k->int8_repack_row(w.data(), layout.data(), n);
      std::vector<float> expected(n), got(n);
      ref.weight(type)->dequant_row(w.data(), expected.data(), n);
      k->int8_dequant_row(layout.data(), got.data(), n);
      ASSERT_EQ(std::memcmp(expected.data(), got.data(), n * sizeof(float)), 0) << level() << " " << format_name(f) << " n=" << n;
    }
  }
}

TEST_P(Int8LevelTest, DotIsWithinTheBoundOfTheExactDot) {
  std::mt19937 rng(5);
  constexpr double u = 0x1p-24;
  for (DType type : kInt8Types) {
    const WeightFormat& f = format_of(type);
    const WeightKernels* k = simd.weight(type);
    int variant = 0;
    for (int64_t n : row_lengths(f)) {
      const std::vector<uint8_t> w = random_weights(f, n, rng);
      const std::vector<float> x = random_activations(n, rng);
      const std::vector<uint8_t> xq = quantized(ref, x);
      std::vector<float> wf(n);
      ref.weight(type)->dequant_row(w.data(), wf.data(), n);
      const std::vector<double> xd = decoded_activations(xq, n);
      const std::vector<double> b = min_parts(type, w, n);
      double exact = 0.0, s = 0.0;
      for (int64_t e = 0; e < n; ++e) {
        exact += static_cast<double>(wf[e]) * xd[e];
        s += std::fabs(xd[e]) * (std::fabs(static_cast<double>(wf[e])) + 2.0 * b[e]);
      }
      const double bound = 2.0 * (static_cast<double>(n) / 16.0 + 4.0) * u * s;
      // Weights and activations off any alignment.
      const int w_off = ++variant % 4 * 3, x_off = variant % 3 * 5;
      std::vector<uint8_t> wbuf(w.size() + w_off), xbuf(xq.size() + x_off);
      if (k->int8_repack_row != nullptr) {
        k->int8_repack_row(w.data(), wbuf.data() + w_off, n);
      } else {
        std::memcpy(wbuf.data() + w_off, w.data(), w.size());
      }
      std::memcpy(xbuf.data() + x_off, xq.data(), xq.size());
      float y = 0.0f;
      k->int8_dot_multi(wbuf.data() + w_off, w.size(), 1, xbuf.data() + x_off, xq.size(), 1, &y, 1, n);
      EXPECT_LE(std::fabs(static_cast<double>(y) - exact), bound)
          << level() << " " << format_name(f) << " n=" << n << " y=" << y << " exact=" << exact;
    }
  }
}

// Weights that are exactly zero with nonzero scales (Q4_0 nibbles of 8, Q6_K quants of 32, Q8_0
// quants of 0): the offsets cancel exactly in the integer sums, so the dot must be exactly 0
// (a kernel that subtracted the offset in fp32 would leave rounding residue).
TEST_P(Int8LevelTest, ZeroWeightsGiveExactlyZero) {
  std::mt19937 rng(17);
  for (DType type : {DType::kQ4_0, DType::kQ6_K, DType::kQ8_0}) {
    const WeightFormat& f = format_of(type);
    const WeightKernels* k = simd.weight(type);
    const int64_t n = 9 * f.block_size;
    std::vector<uint8_t> w = random_weights(f, n, rng);
    for (int64_t b = 0; b < n / f.block_size; ++b) {
      uint8_t* blk = w.data() + b * f.block_bytes;
      if (type == DType::kQ4_0) std::memset(blk + 2, 0x88, 16);
      if (type == DType::kQ8_0) std::memset(blk + 2, 0, 32);
      if (type == DType::kQ6_K) {
        std::memset(blk, 0x00, 128);       // ql: low 4 bits 0
        std::memset(blk + 128, 0xAA, 64);  // qh: high 2 bits 2 -> q = 32
      }
    }
    std::vector<uint8_t> layout = w;
    if (k->int8_repack_row != nullptr) k->int8_repack_row(w.data(), layout.data(), n);
    const std::vector<uint8_t> xq = quantized(ref, random_activations(n, rng));
    float y = 1.0f;
    k->int8_dot_multi(layout.data(), layout.size(), 1, xq.data(), xq.size(), 1, &y, 1, n);
    EXPECT_EQ(y, 0.0f) << level() << " " << format_name(f);
  }
}

TEST_P(Int8LevelTest, DotMultiIsBitIdenticalToOneRowOneVector) {
  std::mt19937 rng(9);
  for (DType type : kInt8Types) {
    const WeightFormat& f = format_of(type);
    const WeightKernels* k = simd.weight(type);
    for (const int64_t n : {int64_t{f.block_size}, 3 * int64_t{f.block_size}, 15 * int64_t{f.block_size}}) {
      SCOPED_TRACE("n=" + std::to_string(n));
      constexpr int kRows = 7;
      const size_t stride = static_cast<size_t>(n / f.block_size * f.block_bytes);
      std::vector<uint8_t> rows(stride * kRows);
      for (int r = 0; r < kRows; ++r) {
        const std::vector<uint8_t> w = random_weights(f, n, rng);
        if (k->int8_repack_row != nullptr) {
          k->int8_repack_row(w.data(), rows.data() + r * stride, n);
        } else {
          std::memcpy(rows.data() + r * stride, w.data(), stride);
        }
      }
      const size_t xs = q8a_bytes(n) + 8;  // a stride that is not the vector's size
      std::vector<uint8_t> acts(xs * kMaxDotVectors);
      for (int j = 0; j < kMaxDotVectors; ++j) {
        const std::vector<uint8_t> xq = quantized(ref, random_activations(n, rng));
        std::memcpy(acts.data() + j * xs, xq.data(), xq.size());
      }
      float alone[kMaxDotVectors][kRows];
      for (int j = 0; j < kMaxDotVectors; ++j)
        for (int r = 0; r < kRows; ++r)
          k->int8_dot_multi(rows.data() + r * stride, stride, 1, acts.data() + j * xs, xs, 1, &alone[j][r], 1, n);
      for (int n_rows = 1; n_rows <= kRows; ++n_rows) {
        for (int n_x = 1; n_x <= kMaxDotVectors; ++n_x) {
          std::vector<float> y(static_cast<size_t>(kMaxDotVectors) * 16, -1.0f);
          k->int8_dot_multi(rows.data(), stride, n_rows, acts.data(), xs, n_x, y.data(), 16, n);
          for (int j = 0; j < kMaxDotVectors; ++j)
            for (int r = 0; r < 16; ++r) {
              if (j < n_x && r < n_rows) {
                ASSERT_EQ(std::memcmp(&y[j * 16 + r], &alone[j][r], sizeof(float)), 0)
                    << level() << " " << format_name(f) << " rows " << n_rows << " vectors " << n_x << " (" << r << ", "
                    << j << ")";
              } else {
                ASSERT_EQ(y[j * 16 + r], -1.0f) << level() << " " << format_name(f) << " wrote outside the output block";
              }
            }
        }
      }
    }
  }
}

// Many rows (kernels take rows several at a time, spread over the call's rows) at a row length
// of TinyLlama's FFN: each result bit for bit the one-row one-vector result, and nothing written
// beyond the n_rows results of each vector.
TEST_P(Int8LevelTest, DotMultiOverManyRowsIsBitIdenticalToOneRow) {
  std::mt19937 rng(13);
  for (DType type : kInt8Types) {
    const WeightFormat& f = format_of(type);
    const WeightKernels* k = simd.weight(type);
    const int64_t n = f.block_size == 32 ? 5632 : 2816;
    constexpr int kRows = 37, kYStride = 40;
    const size_t stride = static_cast<size_t>(n / f.block_size * f.block_bytes);
    std::vector<uint8_t> rows(stride * kRows);
    for (int r = 0; r < kRows; ++r) {
      const std::vector<uint8_t> w = random_weights(f, n, rng);
      if (k->int8_repack_row != nullptr) {
        k->int8_repack_row(w.data(), rows.data() + r * stride, n);
      } else {
        std::memcpy(rows.data() + r * stride, w.data(), stride);
      }
    }
    const size_t xs = q8a_bytes(n) + 3;
    std::vector<uint8_t> acts(xs * kMaxDotVectors);
    for (int j = 0; j < kMaxDotVectors; ++j) {
      const std::vector<uint8_t> xq = quantized(ref, random_activations(n, rng));
      std::memcpy(acts.data() + j * xs, xq.data(), xq.size());
    }
    for (int n_rows : {kRows, 16, 9}) {
      for (int n_x : {1, 3, kMaxDotVectors}) {
        std::vector<float> y(static_cast<size_t>(kMaxDotVectors) * kYStride, -1.0f);
        k->int8_dot_multi(rows.data(), stride, n_rows, acts.data(), xs, n_x, y.data(), kYStride, n);
        for (int j = 0; j < n_x; ++j) {
          for (int r = 0; r < n_rows; ++r) {
            float alone;
            k->int8_dot_multi(rows.data() + r * stride, stride, 1, acts.data() + j * xs, xs, 1, &alone, 1, n);
            ASSERT_EQ(std::memcmp(&y[j * kYStride + r], &alone, sizeof(float)), 0)
                << level() << " " << format_name(f) << " rows " << n_rows << " vectors " << n_x << " (" << r << ", " << j << ")";
          }
          for (int r = n_rows; r < kYStride; ++r) ASSERT_EQ(y[j * kYStride + r], -1.0f) << "wrote past the rows";
        }
      }
    }
  }
}

// Each SIMD level with int8 kernels must provide them for every type of the path (a missing
// registration would silently fall back to a lower level).
TEST_P(Int8LevelTest, EveryTypeHasKernelsOfThisLevel) {
  const Isa isa = GetParam();
  if (isa == Isa::kScalar || isa == Isa::kAvx512) GTEST_SKIP() << "no int8 kernels of their own at " << isa_name(isa);
  EXPECT_NE(simd.quantize_act_isa, Isa::kScalar) << level();
  for (DType type : kInt8Types) {
    const WeightKernels* k = simd.weight(type);
    EXPECT_NE(k->int8_isa, Isa::kScalar) << level() << " " << dtype_name(type);
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, Int8LevelTest, ::testing::ValuesIn(kAllLevels), level_test_name);

}  // namespace
}  // namespace coreinfer::kernels::testing
