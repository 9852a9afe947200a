// The packed int8 GEMM: portable kernel against a plain triple loop, and the AVX-512 VNNI kernel
// (Arm: dotprod, i8mm) against the portable one bit for bit.
#include "graph/ops/quant/int8_gemm.h"

#include "core/cpu_features.h"
#include "quant_test_util.h"

namespace coreinfer::quant_test {
namespace {

using quant::PackedInt8Weights;

struct GemmData {
  int64_t rows, k, n;
  std::vector<uint8_t> a;  // rows x k_padded
  std::vector<int32_t> b;  // k x n stored values
  PackedInt8Weights packed;
};

GemmData make_gemm(int64_t rows, int64_t k, int64_t n, bool b_signed, std::mt19937& rng) {
  GemmData g{rows, k, n, {}, {}, {}};
  g.b = random_ints<int32_t>(static_cast<size_t>(k * n), b_signed ? -128 : 0, b_signed ? 127 : 255, rng);
  g.packed = quant::pack_int8_weights(k, n, b_signed, [&](int64_t kk, int64_t nn) { return g.b[kk * n + nn]; }, {0});
  const int64_t kp = g.packed.k_padded;
  g.a.assign(static_cast<size_t>(rows * kp), 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t kk = 0; kk < k; ++kk) g.a[r * kp + kk] = static_cast<uint8_t>(rng() & 0xff);
  return g;
}

TEST(Int8Gemm, PortableMatchesTripleLoop) {
  std::mt19937 rng(7);
  for (int64_t rows : {1, 5, 7, 13}) {
    for (int64_t k : {1, 3, 4, 9, 33}) {
      for (int64_t n : {1, 15, 16, 17, 70}) {
        GemmData g = make_gemm(rows, k, n, (rows + k) % 2 == 0, rng);
        const bool b_signed = (rows + k) % 2 == 0;
        const int64_t ldc = g.packed.padded_cols();
        std::vector<int32_t> c(static_cast<size_t>(rows * ldc), -1);
        quant::int8_gemm_portable(g.a.data(), g.packed.k_padded, rows, g.packed, c.data(), ldc);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t nn = 0; nn < n; ++nn) {
            int64_t expect = 0;
            for (int64_t kk = 0; kk < k; ++kk)
              expect += static_cast<int64_t>(g.a[r * g.packed.k_padded + kk]) * (g.b[kk * n + nn] - (b_signed ? 0 : 128));
            ASSERT_EQ(c[r * ldc + nn], expect) << rows << "x" << k << "x" << n << " at " << r << "," << nn;
          }
      }
    }
  }
}

TEST(Int8Gemm, ColumnSumsAndZeroPointCorrection) {
  std::mt19937 rng(9);
  const int64_t rows = 4, k = 10, n = 5;
  std::vector<int32_t> b = random_ints<int32_t>(k * n, 0, 255, rng);
  std::vector<int32_t> bz = random_ints<int32_t>(n, 0, 255, rng);
  auto packed = quant::pack_int8_weights(k, n, false, [&](int64_t kk, int64_t nn) { return b[kk * n + nn]; }, bz);
  std::vector<uint8_t> a(static_cast<size_t>(rows * packed.k_padded), 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t kk = 0; kk < k; ++kk) a[r * packed.k_padded + kk] = static_cast<uint8_t>(rng() & 0xff);
  const int32_t az = 77;
  std::vector<int32_t> c(static_cast<size_t>(rows * packed.padded_cols()));
  quant::int8_gemm_portable(a.data(), packed.k_padded, rows, packed, c.data(), packed.padded_cols());
  for (int64_t r = 0; r < rows; ++r) {
    int32_t row_sum = 0;
    for (int64_t kk = 0; kk < k; ++kk) row_sum += a[r * packed.k_padded + kk];
    for (int64_t nn = 0; nn < n; ++nn) {
      int64_t expect = 0;
      for (int64_t kk = 0; kk < k; ++kk) expect += (int64_t{a[r * packed.k_padded + kk]} - az) * (b[kk * n + nn] - bz[nn]);
      EXPECT_EQ(quant::zero_point_corrected(c[r * packed.padded_cols() + nn], row_sum, az, packed.column_sums[nn],
                                            packed.zero_points[nn], k),
                expect);
    }
  }
}

#if defined(__x86_64__)
TEST(Int8Gemm, Avx512VnniMatchesPortableBitExactly) {
  const CpuFeatures& f = cpu_features();
  if (!(f.avx512_vnni && f.avx512bw && f.os_zmm)) GTEST_SKIP() << "no AVX-512 VNNI on this CPU";
  std::mt19937 rng(11);
  for (int64_t rows : {1, 2, 5, 6, 7, 12, 13, 96}) {
    for (int64_t k : {1, 4, 7, 64, 291}) {
      for (int64_t n : {1, 16, 24, 48, 64, 65, 130}) {
        GemmData g = make_gemm(rows, k, n, n % 2 == 0, rng);
        const int64_t ldc = g.packed.padded_cols();
        std::vector<int32_t> c1(static_cast<size_t>(rows * ldc), 0), c2(static_cast<size_t>(rows * ldc), 0);
        quant::int8_gemm_portable(g.a.data(), g.packed.k_padded, rows, g.packed, c1.data(), ldc);
        quant::int8_gemm_avx512vnni(g.a.data(), g.packed.k_padded, rows, g.packed, c2.data(), ldc);
        ASSERT_EQ(c1, c2) << rows << "x" << k << "x" << n;
      }
    }
  }
  EXPECT_STREQ(quant::best_int8_gemm_name(), "avx512vnni");
}
#endif

#if defined(__aarch64__)
struct ArmGemm {
  const char* name;
  quant::Int8GemmFn fn;
  bool supported;
};

std::vector<ArmGemm> arm_gemms() {
  const CpuFeatures& f = cpu_features();
  return {{"dotprod", quant::int8_gemm_dotprod, f.asimddp}, {"i8mm", quant::int8_gemm_i8mm, f.i8mm && f.asimddp}};
}

TEST(Int8Gemm, ArmKernelsMatchPortableBitExactly) {
  int checked = 0;
  for (const ArmGemm& kern : arm_gemms()) {
    if (!kern.supported) continue;
    ++checked;
    std::mt19937 rng(11);
    for (int64_t rows : {1, 2, 3, 5, 6, 7, 12, 13, 96}) {
      for (int64_t k : {1, 4, 7, 8, 12, 64, 291}) {
        for (int64_t n : {1, 16, 24, 48, 65, 130}) {
          GemmData g = make_gemm(rows, k, n, n % 2 == 0, rng);
          const int64_t ldc = g.packed.padded_cols() + 3;  // a wider C: nothing past the panels written
          std::vector<int32_t> c1(static_cast<size_t>(rows * ldc), -9), c2(static_cast<size_t>(rows * ldc), -9);
          quant::int8_gemm_portable(g.a.data(), g.packed.k_padded, rows, g.packed, c1.data(), ldc);
          // A exactly rows x k_padded in its own allocation: no read past the last row.
          std::vector<uint8_t> a(g.a);
          kern.fn(a.data(), g.packed.k_padded, rows, g.packed, c2.data(), ldc);
          ASSERT_EQ(c1, c2) << kern.name << " " << rows << "x" << k << "x" << n;
        }
      }
    }
  }
  if (checked == 0) GTEST_SKIP() << "no dotprod on this CPU";
  const CpuFeatures& f = cpu_features();
  EXPECT_STREQ(quant::best_int8_gemm_name(), f.i8mm && f.asimddp ? "i8mm" : "dotprod");
}
#endif

}  // namespace
}  // namespace coreinfer::quant_test

#include "graph/ops/quant/conv_gemm.h"

namespace coreinfer::quant_test {
namespace {

// X block [k_padded/4][pixels][4] from X[k][p].
std::vector<uint8_t> pack_x(const std::vector<uint8_t>& x, int64_t k, int64_t kp, int64_t pixels) {
  std::vector<uint8_t> out(static_cast<size_t>(kp * pixels), 0);
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t p = 0; p < pixels; ++p) out[(kk / 4) * pixels * 4 + p * 4 + kk % 4] = x[kk * pixels + p];
  return out;
}

TEST(ConvGemm, PortableMatchesTripleLoopAndVnniMatchesPortable) {
  std::mt19937 rng(21);
  const CpuFeatures& f = cpu_features();
  [[maybe_unused]] const bool vnni = f.avx512_vnni && f.avx512bw && f.os_zmm;
  for (int64_t m : {1, 2, 3, 4, 5, 6, 7, 10, 11, 13, 24}) {
    for (int64_t k : {1, 3, 8, 27, 97}) {
      for (int64_t pixels : {16, 32, 48, 64, 80, 128}) {
        const bool w_signed = (m + k) % 2 == 0;
        auto wv = random_ints<int32_t>(static_cast<size_t>(m * k), w_signed ? -128 : 0, w_signed ? 127 : 255, rng);
        auto packed = quant::pack_conv_weights(m, k, w_signed, [&](int64_t oc, int64_t kk) { return wv[oc * k + kk]; }, {0});
        auto x = random_ints<uint8_t>(static_cast<size_t>(k * pixels), 0, 255, rng);
        auto xp = pack_x(x, k, packed.k_padded, pixels);
        std::vector<int32_t> c1(static_cast<size_t>(m * pixels), -7);
        quant::conv_gemm_portable(packed, 0, m, xp.data(), pixels, c1.data());
        for (int64_t oc = 0; oc < m; ++oc)
          for (int64_t p = 0; p < pixels; ++p) {
            int64_t expect = 0;
            for (int64_t kk = 0; kk < k; ++kk) expect += int64_t{x[kk * pixels + p]} * (wv[oc * k + kk] - (w_signed ? 0 : 128));
            ASSERT_EQ(c1[oc * pixels + p], expect) << m << "x" << k << "x" << pixels;
          }
#if defined(__x86_64__)
        if (vnni) {
          std::vector<int32_t> c2(static_cast<size_t>(m * pixels), 0);
          quant::conv_gemm_avx512vnni(packed, 0, m, xp.data(), pixels, c2.data());
          ASSERT_EQ(c1, c2) << m << "x" << k << "x" << pixels;
          // a sub-range of output channels touches only its rows
          std::vector<int32_t> c3(static_cast<size_t>(m * pixels), -5);
          quant::conv_gemm_avx512vnni(packed, m / 3, m - m / 4, xp.data(), pixels, c3.data());
          for (int64_t i = 0; i < m * pixels; ++i) {
            const int64_t oc = i / pixels;
            ASSERT_EQ(c3[i], (oc >= m / 3 && oc < m - m / 4) ? c1[i] : -5) << i;
          }
        }
#endif
#if defined(__aarch64__)
        const std::pair<quant::ConvGemmFn, bool> arm[] = {{quant::conv_gemm_dotprod, f.asimddp},
                                                          {quant::conv_gemm_i8mm, f.i8mm && f.asimddp}};
        for (const auto& [fn, supported] : arm) {
          if (!supported) continue;
          std::vector<int32_t> c2(static_cast<size_t>(m * pixels), 0);
          fn(packed, 0, m, xp.data(), pixels, c2.data());
          ASSERT_EQ(c1, c2) << m << "x" << k << "x" << pixels << (fn == quant::conv_gemm_i8mm ? " i8mm" : " dotprod");
          std::vector<int32_t> c3(static_cast<size_t>(m * pixels), -5);
          fn(packed, m / 3, m - m / 4, xp.data(), pixels, c3.data());
          for (int64_t i = 0; i < m * pixels; ++i) {
            const int64_t oc = i / pixels;
            ASSERT_EQ(c3[i], (oc >= m / 3 && oc < m - m / 4) ? c1[i] : -5) << i;
          }
        }
#endif
      }
    }
  }
#if defined(__aarch64__)
  if (!f.asimddp) GTEST_SKIP() << "portable kernel checked; no dotprod to compare";
#else
  if (!vnni) GTEST_SKIP() << "portable kernel checked; no AVX-512 VNNI to compare";
#endif
}

}  // namespace
}  // namespace coreinfer::quant_test

#include "graph/ops/quant/depthwise_kernel.h"
#include "graph/ops/quant/requant_row.h"

namespace coreinfer::quant_test {
namespace {

// The ISA-specific copies of the depthwise plane and the requantising row against the portable
// ones, bit for bit (the op tests above run whichever this CPU selects).
TEST(QuantKernels, Avx512DepthwiseAndRequantRowMatchPortable) {
  const CpuFeatures& f = cpu_features();
  if (!(f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.os_zmm)) GTEST_SKIP() << "no AVX-512";
#if defined(__x86_64__)
  std::mt19937 rng(31);
  for (int t = 0; t < 12; ++t) {
    quant::Window2d g;
    g.in_h = 5 + t % 9;
    g.in_w = 3 + (t * 7) % 17;
    g.k_h = 1 + t % 3;
    g.k_w = 1 + (t + 1) % 3;
    g.stride_h = 1 + t % 2;
    g.stride_w = 1 + (t / 2) % 3;
    g.pad_t = t % 2;
    g.pad_l = 1;
    g.pad_b = (t / 3) % 2;
    g.pad_r = 0;
    g.out_h = (g.in_h + g.pad_t + g.pad_b - g.k_h) / g.stride_h + 1;
    g.out_w = (g.in_w + g.pad_l + g.pad_r - g.k_w) / g.stride_w + 1;
    auto x = random_ints<uint8_t>(static_cast<size_t>(g.in_size()), 0, 255, rng);
    std::vector<double> w(static_cast<size_t>(g.kernel_size()));
    for (auto& v : w) v = static_cast<double>(static_cast<int>(rng() % 511) - 255);
    const quant::Requant rq = quant::make_requant(0.0007f * (t + 1), 17, ElemType::kUint8);
    for (ElemType yt : {ElemType::kUint8, ElemType::kInt32}) {
      const size_t bytes = static_cast<size_t>(g.out_size()) * elem_size(yt);
      std::vector<uint8_t> y1(bytes), y2(bytes);
      std::vector<double> s1(static_cast<size_t>(quant::depthwise_scratch_size(g))), s2(s1.size());
      quant::depthwise_plane_portable(x.data(), ElemType::kUint8, 99, w.data(), g, 123, rq, y1.data(), yt, s1.data());
      quant::depthwise_plane_avx512(x.data(), ElemType::kUint8, 99, w.data(), g, 123, rq, y2.data(), yt, s2.data());
      ASSERT_EQ(y1, y2) << "case " << t;
    }
  }
  for (int64_t n : {1, 15, 16, 17, 100}) {
    auto c = random_ints<int32_t>(static_cast<size_t>(n), -200000, 200000, rng);
    auto sums = random_ints<int32_t>(static_cast<size_t>(n), 0, 30000, rng);
    for (bool is_signed : {false, true}) {
      const quant::Requant rq = quant::make_requant(0.0011f, is_signed ? -3 : 120, is_signed ? ElemType::kInt8 : ElemType::kUint8);
      std::vector<uint8_t> y1(static_cast<size_t>(n)), y2(static_cast<size_t>(n));
      quant::requant_row_portable(c.data(), n, 321, 5, sums.data(), rq, is_signed, y1.data());
      quant::requant_row_avx512(c.data(), n, 321, 5, sums.data(), rq, is_signed, y2.data());
      ASSERT_EQ(y1, y2) << n;
    }
  }
#endif
}

}  // namespace
}  // namespace coreinfer::quant_test
