// BF16's bf16-activation path (kernels/quant/int8_path.h, BF16A) at every level this CPU supports
// that registers it (x86 avx512vnni = AVX512_BF16; Arm i8mm and sve = bfdot / bfmmla), against the
// scalar reference bf16_act_path_ref, on any row length (BF16 rows have no blocks), at unaligned
// addresses:
//   registration: the path exactly at those levels (elsewhere BF16 keeps the fp32 path);
//   act_quantize: bit for bit the reference (float_to_bf16) on ties, NaNs, infinities, denormals;
//   int8_dot_multi: within (n + 8) 2^-23 S of the exact (double) dot of the bf16 values,
//                   S = sum |w_e x_e| (any fp32 summation order, round-to-odd sums on Arm);
//                   exact sums (small integers) bit for bit the reference; each result bit for
//                   bit the same kernel's result for that row and vector alone, for any n_rows
//                   and n_x (up to 32, the most tokens ops/matmul gives the path).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "core/half.h"
#include "kernels/math_test_util.h"
#include "kernels/quant/int8_path.h"

namespace coreinfer::kernels::testing {
namespace {

bool has_bf16_dot(Isa isa) { return isa == Isa::kAvx512Vnni || isa == Isa::kI8mm || isa == Isa::kSve; }

class Bf16ActTest : public LevelTest {
 protected:
  void SetUp() override {
    LevelTest::SetUp();
    if (IsSkipped()) return;
    bf16_act_path_ref(scalar);
    scalar.dequant_row = ref.weights[static_cast<uint32_t>(DType::kBF16)].dequant_row;
    k = &simd.weights[static_cast<uint32_t>(DType::kBF16)];
  }
  // The kernels under test: the level's, or the reference at levels without the path.
  const WeightKernels& kernels() const { return k->has_int8_path() ? *k : scalar; }

  WeightKernels scalar;
  const WeightKernels* k = nullptr;
};

std::vector<uint8_t> bf16_row(const std::vector<float>& v) {
  std::vector<uint8_t> out(2 * v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const uint16_t b = float_to_bf16(v[i]);
    std::memcpy(&out[2 * i], &b, 2);
  }
  return out;
}

float bf16_at(const uint8_t* p, int64_t e) {
  uint16_t b;
  std::memcpy(&b, p + 2 * e, 2);
  return bf16_to_float(b);
}

std::vector<float> uniform(int64_t n, float lo, float hi, std::mt19937& rng) {
  std::vector<float> v(static_cast<size_t>(n));
  fill_uniform(v.data(), n, lo, hi, rng);
  return v;
}

std::vector<uint8_t> quantized(const WeightKernels& k, const std::vector<float>& x) {
  std::vector<uint8_t> q(k.act_bytes(static_cast<int64_t>(x.size())));
  k.act_quantize(x.data(), q.data(), static_cast<int64_t>(x.size()));
  return q;
}

const int64_t kLengths[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 96, 100, 127, 128, 129, 257, 1000, 2048, 5632};

TEST_P(Bf16ActTest, PathIsRegisteredExactlyAtLevelsWithABf16Dot) {
  if (has_bf16_dot(GetParam())) {
    ASSERT_TRUE(k->has_int8_path()) << level();
    EXPECT_NE(k->int8_isa, Isa::kScalar) << level();
    EXPECT_NE(k->act_quantize_isa, Isa::kScalar) << level();
    EXPECT_EQ(k->int8_repack_row, nullptr);
    EXPECT_EQ(k->act_bytes(37), bf16a_bytes(37));
    EXPECT_EQ(KernelTable::act_bytes(*k, 37), 74u);
    EXPECT_EQ(simd.act_quantizer(*k), k->act_quantize);
  } else {
    EXPECT_FALSE(k->has_int8_path()) << level() << ": BF16 keeps the fp32 path without a bf16 dot instruction";
  }
  // Other types keep Q8A.
  const WeightKernels& q8 = simd.weights[static_cast<uint32_t>(DType::kQ8_0)];
  EXPECT_EQ(q8.act_quantize, nullptr);
  EXPECT_EQ(KernelTable::act_bytes(q8, 64), q8a_bytes(64));
}

TEST_P(Bf16ActTest, QuantizerIsBitIdenticalToTheReference) {
  std::mt19937 rng(21);
  const uint32_t specials[] = {
      0x00000000u, 0x80000000u,                            // zeros
      0x7F800000u, 0xFF800000u,                            // infinities
      0x7FC00000u, 0xFFC00001u, 0x7F800001u, 0x7FA00000u,  // quiet / signalling NaNs, low payloads
      0x7FFFFFFFu, 0xFF80FFFFu,
      0x00000001u, 0x007FFFFFu, 0x80008000u, 0x00018000u,  // denormals, a denormal tie
      0x00008000u, 0x807F8000u,
      0x3F808000u, 0x3F818000u, 0xBF808000u, 0xBF818000u,  // ties to even: down, up
      0x3F808001u, 0x3F807FFFu,                            // just above / below a tie
      0x7F7FFFFFu, 0xFF7FFFFFu, 0x7F7F8000u,               // round up to infinity
      0x00800000u, 0x3F800000u, 0x4B7FFFFFu};
  for (int64_t n : kLengths) {
    std::vector<float> x = uniform(n, -100.0f, 100.0f, rng);
    for (int64_t e = 0; e < n; ++e)
      if (rng() % 3 == 0) x[e] = bits_to_float(specials[rng() % std::size(specials)]);
    std::vector<uint8_t> expected(2 * n);
    for (int64_t e = 0; e < n; ++e) {
      const uint16_t b = float_to_bf16(x[e]);
      std::memcpy(&expected[2 * e], &b, 2);
    }
    ASSERT_EQ(quantized(scalar, x), expected) << "reference, n=" << n;
    for (int offset : {0, 1, 6}) {
      std::vector<float> xs(n + 1);
      std::memcpy(xs.data() + offset % 2, x.data(), n * sizeof(float));  // unaligned source too
      std::vector<uint8_t> out(2 * n + offset + 64, 0xA5);
      kernels().act_quantize(xs.data() + offset % 2, out.data() + offset, n);
      ASSERT_EQ(std::memcmp(out.data() + offset, expected.data(), expected.size()), 0)
          << level() << " n=" << n << " offset " << offset;
      for (size_t i = offset + expected.size(); i < out.size(); ++i) ASSERT_EQ(out[i], 0xA5) << "wrote past the end";
      for (int i = 0; i < offset; ++i) ASSERT_EQ(out[i], 0xA5) << "wrote before the start";
    }
  }
  // Every pattern of one 32-bit high half and the rounding-relevant low bits.
  std::vector<float> x;
  for (uint32_t hi = 0; hi < 0x10000u; hi += 0x101u)
    for (uint32_t lo : {0x0000u, 0x7FFFu, 0x8000u, 0x8001u, 0xFFFFu}) x.push_back(bits_to_float(hi << 16 | lo));
  std::vector<uint8_t> expected(2 * x.size());
  for (size_t e = 0; e < x.size(); ++e) {
    const uint16_t b = float_to_bf16(x[e]);
    std::memcpy(&expected[2 * e], &b, 2);
  }
  ASSERT_EQ(quantized(kernels(), x), expected) << level();
}

TEST_P(Bf16ActTest, DotIsWithinTheBoundOfTheExactDot) {
  std::mt19937 rng(5);
  const WeightKernels& kk = kernels();
  int variant = 0;
  for (int64_t n : kLengths) {
    const std::vector<uint8_t> w = bf16_row(uniform(n, -2.0f, 2.0f, rng));
    const std::vector<uint8_t> xq = quantized(scalar, uniform(n, -3.0f, 3.0f, rng));
    double exact = 0.0, s = 0.0;
    for (int64_t e = 0; e < n; ++e) {
      const double p = static_cast<double>(bf16_at(w.data(), e)) * bf16_at(xq.data(), e);
      exact += p;
      s += std::fabs(p);
    }
    const double bound = static_cast<double>(n + 8) * 0x1p-23 * s;
    const int w_off = ++variant % 4 * 3, x_off = variant % 3 * 5;
    std::vector<uint8_t> wbuf(w.size() + w_off), xbuf(xq.size() + x_off);
    std::memcpy(wbuf.data() + w_off, w.data(), w.size());
    std::memcpy(xbuf.data() + x_off, xq.data(), xq.size());
    float y = 0.0f, y_ref = 0.0f;
    kk.int8_dot_multi(wbuf.data() + w_off, w.size(), 1, xbuf.data() + x_off, xq.size(), 1, &y, 1, n);
    scalar.int8_dot_multi(w.data(), w.size(), 1, xq.data(), xq.size(), 1, &y_ref, 1, n);
    EXPECT_LE(std::fabs(static_cast<double>(y) - exact), bound) << level() << " n=" << n << " y=" << y << " exact=" << exact;
    EXPECT_LE(std::fabs(static_cast<double>(y_ref) - exact), bound) << "reference, n=" << n;
  }
}

// Small integers: every product and partial sum is exact, so any order gives the reference's bits.
TEST_P(Bf16ActTest, ExactSumsAreBitIdenticalToTheReference) {
  std::mt19937 rng(8);
  for (int64_t n : kLengths) {
    std::vector<float> wf(n), xf(n);
    fill_small_integers(wf.data(), n, rng);
    fill_small_integers(xf.data(), n, rng);
    const std::vector<uint8_t> w = bf16_row(wf), xq = quantized(scalar, xf);
    float y = 1.0f, y_ref = 2.0f;
    kernels().int8_dot_multi(w.data(), w.size(), 1, xq.data(), xq.size(), 1, &y, 1, n);
    scalar.int8_dot_multi(w.data(), w.size(), 1, xq.data(), xq.size(), 1, &y_ref, 1, n);
    ASSERT_EQ(y, y_ref) << level() << " n=" << n;
  }
}

TEST_P(Bf16ActTest, DotMultiIsBitIdenticalToOneRowOneVector) {
  std::mt19937 rng(9);
  const WeightKernels& kk = kernels();
  constexpr int kRows = 9, kVectors = 32, kYStride = 12;
  for (const int64_t n : {int64_t{1}, int64_t{5}, int64_t{32}, int64_t{33}, int64_t{63}, int64_t{100}, int64_t{257},
                          int64_t{1027}}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const size_t stride = 2 * n + 6;  // rows and vectors off any alignment after the first
    std::vector<uint8_t> rows(stride * kRows + 1);
    for (int r = 0; r < kRows; ++r) {
      const std::vector<uint8_t> w = bf16_row(uniform(n, -2.0f, 2.0f, rng));
      std::memcpy(rows.data() + 1 + r * stride, w.data(), w.size());
    }
    const size_t xs = 2 * n + 2;
    std::vector<uint8_t> acts(xs * kVectors + 3);
    for (int j = 0; j < kVectors; ++j) {
      const std::vector<uint8_t> xq = quantized(scalar, uniform(n, -3.0f, 3.0f, rng));
      std::memcpy(acts.data() + 3 + j * xs, xq.data(), xq.size());
    }
    const uint8_t* w0 = rows.data() + 1;
    const uint8_t* x0 = acts.data() + 3;
    float alone[kVectors][kRows];
    for (int j = 0; j < kVectors; ++j)
      for (int r = 0; r < kRows; ++r) kk.int8_dot_multi(w0 + r * stride, stride, 1, x0 + j * xs, xs, 1, &alone[j][r], 1, n);
    for (int n_rows = 1; n_rows <= kRows; ++n_rows) {
      for (int n_x : {1, 2, 3, 4, 5, 7, 8, 9, 17, 32}) {
        std::vector<float> y(static_cast<size_t>(kVectors) * kYStride, -1.0f);
        kk.int8_dot_multi(w0, stride, n_rows, x0, xs, n_x, y.data(), kYStride, n);
        for (int j = 0; j < kVectors; ++j)
          for (int r = 0; r < kYStride; ++r) {
            if (j < n_x && r < n_rows) {
              ASSERT_EQ(std::memcmp(&y[j * kYStride + r], &alone[j][r], sizeof(float)), 0)
                  << level() << " rows " << n_rows << " vectors " << n_x << " (" << r << ", " << j << ")";
            } else {
              ASSERT_EQ(y[j * kYStride + r], -1.0f) << level() << " wrote outside the output block";
            }
          }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, Bf16ActTest, ::testing::ValuesIn(kAllLevels), level_test_name);

}  // namespace
}  // namespace coreinfer::kernels::testing
