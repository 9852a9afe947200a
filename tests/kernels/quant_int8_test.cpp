// The 8-bit activation path (kernels/quant/int8_path.h) at the scalar level and every SIMD level
// this CPU supports, on random blocks over odd and long row lengths, at unaligned addresses:
//   quantize_act: the scalar quantizer against the Q8A definition (|x - d q| <= d / 2, sums);
//                 every level bit for bit the scalar one.
//   repack + decode of whole matrices (kernels/quant/int8_rows.h, row pairs where the level has
//   them): bit for bit the GGUF dequant of the original rows.
//   int8_dot_multi: within 2 (n / 16 + 4) u S of the exact (double) dot of the decoded weights
//                   with the decoded activations, S = sum |x^_e| (|w_e| + 2 |b_e|) (b_e the
//                   weight's min part: only Q4_K has one); each result bit for bit the same
//                   kernel's result for that row and vector alone (a one-row matrix: the row
//                   layout), for any n_rows and n_x <= 8.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/math_test_util.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/int8_path.h"
#include "kernels/quant/int8_rows.h"
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

// n_rows random GGUF rows of n elements, one after the other.
std::vector<uint8_t> random_rows(const WeightFormat& f, int64_t n, int n_rows, std::mt19937& rng) {
  std::vector<uint8_t> rows;
  for (int r = 0; r < n_rows; ++r) {
    const std::vector<uint8_t> w = random_weights(f, n, rng);
    rows.insert(rows.end(), w.begin(), w.end());
  }
  return rows;
}

// GGUF rows [first, first + n_rows) of `gguf` (stride bytes each) as a matrix of their own in k's
// 8-bit layout, at `offset` bytes into the returned buffer.
std::vector<uint8_t> int8_matrix(const WeightKernels& k, const std::vector<uint8_t>& gguf, size_t stride, int first,
                                 int n_rows, int64_t n, size_t offset = 0) {
  std::vector<uint8_t> out(offset + stride * static_cast<size_t>(n_rows));
  int8_repack_rows(k, gguf.data() + stride * static_cast<size_t>(first), stride, out.data() + offset, n_rows, n);
  return out;
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
      // Three rows: a row pair and a lone row where the level stores pairs.
      constexpr int kRows = 3;
      const size_t stride = static_cast<size_t>(n / f.block_size * f.block_bytes);
      const std::vector<uint8_t> w = random_rows(f, n, kRows, rng);
      const std::vector<uint8_t> layout = int8_matrix(*k, w, stride, 0, kRows, n);
      std::vector<float> expected(kRows * n), got(kRows * n), last(n);
      for (int r = 0; r < kRows; ++r) ref.weight(type)->dequant_row(w.data() + r * stride, expected.data() + r * n, n);
      int8_dequant_rows(*k, layout.data(), stride, kRows, got.data(), n);
      ASSERT_EQ(std::memcmp(expected.data(), got.data(), got.size() * sizeof(float)), 0)
          << level() << " " << format_name(f) << " n=" << n;
      int8_dequant_rows(*k, layout.data() + 2 * stride, stride, 1, last.data(), n);  // the matrix's last row alone
      ASSERT_EQ(std::memcmp(expected.data() + 2 * n, last.data(), n * sizeof(float)), 0)
          << level() << " " << format_name(f) << " n=" << n << " last row";
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
      // Weights and activations off any alignment; the row alone, and twice as a row pair where
      // the level stores pairs.
      const int w_off = ++variant % 4 * 3, x_off = variant % 3 * 5;
      std::vector<uint8_t> xbuf(xq.size() + x_off);
      std::memcpy(xbuf.data() + x_off, xq.data(), xq.size());
      std::vector<uint8_t> two = w;
      two.insert(two.end(), w.begin(), w.end());
      for (int n_rows : {1, 2}) {
        const std::vector<uint8_t> wbuf = int8_matrix(*k, two, w.size(), 0, n_rows, n, w_off);
        float y[2] = {0.0f, 0.0f};
        k->int8_dot_multi(wbuf.data() + w_off, w.size(), n_rows, xbuf.data() + x_off, xq.size(), 1, y, 1, n);
        for (int r = 0; r < n_rows; ++r)
          EXPECT_LE(std::fabs(static_cast<double>(y[r]) - exact), bound)
              << level() << " " << format_name(f) << " n=" << n << " rows " << n_rows << " y=" << y[r] << " exact=" << exact;
      }
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
    std::vector<uint8_t> three = w;  // a row pair and a lone row where the level stores pairs
    for (int r = 1; r < 3; ++r) three.insert(three.end(), w.begin(), w.end());
    const std::vector<uint8_t> layout = int8_matrix(*k, three, w.size(), 0, 3, n);
    const std::vector<uint8_t> xq = quantized(ref, random_activations(n, rng));
    float y[3] = {1.0f, 1.0f, 1.0f};
    k->int8_dot_multi(layout.data(), w.size(), 3, xq.data(), xq.size(), 1, y, 1, n);
    for (int r = 0; r < 3; ++r) EXPECT_EQ(y[r], 0.0f) << level() << " " << format_name(f) << " row " << r;
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
      const std::vector<uint8_t> gguf = random_rows(f, n, kRows, rng);
      const size_t xs = q8a_bytes(n) + 8;  // a stride that is not the vector's size
      std::vector<uint8_t> acts(xs * kMaxDotVectors);
      for (int j = 0; j < kMaxDotVectors; ++j) {
        const std::vector<uint8_t> xq = quantized(ref, random_activations(n, rng));
        std::memcpy(acts.data() + j * xs, xq.data(), xq.size());
      }
      float alone[kMaxDotVectors][kRows];
      for (int r = 0; r < kRows; ++r) {
        const std::vector<uint8_t> row = int8_matrix(*k, gguf, stride, r, 1, n);
        for (int j = 0; j < kMaxDotVectors; ++j)
          k->int8_dot_multi(row.data(), stride, 1, acts.data() + j * xs, xs, 1, &alone[j][r], 1, n);
      }
      for (int n_rows = 1; n_rows <= kRows; ++n_rows) {
        const std::vector<uint8_t> rows = int8_matrix(*k, gguf, stride, 0, n_rows, n);
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
    const std::vector<uint8_t> gguf = random_rows(f, n, kRows, rng);
    const size_t xs = q8a_bytes(n) + 3;
    std::vector<uint8_t> acts(xs * kMaxDotVectors);
    for (int j = 0; j < kMaxDotVectors; ++j) {
      const std::vector<uint8_t> xq = quantized(ref, random_activations(n, rng));
      std::memcpy(acts.data() + j * xs, xq.data(), xq.size());
    }
    std::vector<float> alone(static_cast<size_t>(kMaxDotVectors) * kRows);
    for (int r = 0; r < kRows; ++r) {
      const std::vector<uint8_t> row = int8_matrix(*k, gguf, stride, r, 1, n);
      for (int j = 0; j < kMaxDotVectors; ++j)
        k->int8_dot_multi(row.data(), stride, 1, acts.data() + j * xs, xs, 1, &alone[j * kRows + r], 1, n);
    }
    // The whole matrix, its first 16 rows (a multiple of the row group), and a matrix of 9 rows.
    const std::vector<uint8_t> all = int8_matrix(*k, gguf, stride, 0, kRows, n);
    const std::vector<uint8_t> nine = int8_matrix(*k, gguf, stride, 0, 9, n);
    for (int n_rows : {kRows, 16, 9}) {
      const std::vector<uint8_t>& rows = n_rows == 9 ? nine : all;
      for (int n_x : {1, 3, kMaxDotVectors}) {
        std::vector<float> y(static_cast<size_t>(kMaxDotVectors) * kYStride, -1.0f);
        k->int8_dot_multi(rows.data(), stride, n_rows, acts.data(), xs, n_x, y.data(), kYStride, n);
        for (int j = 0; j < n_x; ++j) {
          for (int r = 0; r < n_rows; ++r) {
            const float alone_rj = alone[j * kRows + r];
            ASSERT_EQ(std::memcmp(&y[j * kYStride + r], &alone_rj, sizeof(float)), 0)
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

// The layout is the level's: row pairs exactly where smmla reads them as they are (Arm i8mm:
// Q8_0, Q4_0), rows everywhere else (the sve level reads rows with svdot).
TEST_P(Int8LevelTest, RowPairsExactlyAtTheI8mmLevel) {
  for (DType type : kInt8Types) {
    const WeightKernels* k = simd.weight(type);
    const bool pairs = GetParam() == Isa::kI8mm && (type == DType::kQ8_0 || type == DType::kQ4_0);
    EXPECT_EQ(k->int8_row_group, pairs ? 2 : 1) << level() << " " << dtype_name(type);
    EXPECT_EQ(k->int8_repack_group != nullptr, pairs) << level() << " " << dtype_name(type);
    EXPECT_EQ(k->int8_dequant_group != nullptr, pairs) << level() << " " << dtype_name(type);
  }
}

// The scalar row-pair layout against its definition (int8_path.h): scales of both rows, then the
// quants 8 bytes at a time. Tested on every architecture, since the layout is written at load.
TEST(Int8RowPairs, InterleaveTheRowLayoutEightBytesAtATime) {
  std::mt19937 rng(21);
  KernelTable scalar;
  ASSERT_TRUE(build_table(Isa::kScalar, &scalar));
  for (DType type : {DType::kQ8_0, DType::kQ4_0}) {
    const WeightFormat& f = format_of(type);
    WeightKernels k = *scalar.weight(type);
    set_int8_row_pairs(k, type);
    ASSERT_EQ(k.int8_row_group, 2);
    for (const int64_t n : {int64_t{32}, int64_t{96}, int64_t{160}}) {
      const size_t stride = static_cast<size_t>(n / 32 * f.block_bytes), head = static_cast<size_t>(2 * (n / 32));
      const std::vector<uint8_t> gguf = random_rows(f, n, 2, rng);
      std::vector<uint8_t> row0(stride), row1(stride), pair(2 * stride);
      k.int8_repack_row(gguf.data(), row0.data(), n);
      k.int8_repack_row(gguf.data() + stride, row1.data(), n);
      k.int8_repack_group(gguf.data(), stride, pair.data(), n);
      std::vector<uint8_t> expected(row0.begin(), row0.begin() + head);
      expected.insert(expected.end(), row1.begin(), row1.begin() + head);
      for (size_t c = head; c < stride; c += 8) {
        expected.insert(expected.end(), row0.begin() + c, row0.begin() + c + 8);
        expected.insert(expected.end(), row1.begin() + c, row1.begin() + c + 8);
      }
      ASSERT_EQ(pair, expected) << dtype_name(type) << " n=" << n;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, Int8LevelTest, ::testing::ValuesIn(kAllLevels), level_test_name);

}  // namespace
}  // namespace coreinfer::kernels::testing
