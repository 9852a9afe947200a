// The AVX-512 QuantizeLinear row against the portable one, bit for bit: ties at .5 (half to
// even), values past the range, NaN and infinities, every tail length, both output types.
#include <cmath>
#include <limits>

#include "core/cpu_features.h"
#include "graph/ops/quant/quantize_row.h"
#include "quant_test_util.h"

namespace coreinfer::quant_test {
namespace {

TEST(QuantizeRow, Avx512MatchesPortable) {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (!(f.avx512f && f.avx512bw && f.os_zmm)) GTEST_SKIP() << "no AVX-512";
  std::mt19937 rng(8);
  std::uniform_real_distribution<float> wide(-400.0f, 400.0f);
  for (int t = 0; t < 200; ++t) {
    const int64_t n = t < 40 ? t : std::uniform_int_distribution<int64_t>(1, 300)(rng);
    const bool is_signed = t % 2 == 1;
    const float scale = t % 3 == 0 ? 0.5f : std::uniform_real_distribution<float>(0.01f, 3.0f)(rng);
    const int32_t zp = random_ints<int32_t>(1, is_signed ? -128 : 0, is_signed ? 127 : 255, rng)[0];
    const float lo = static_cast<float>((is_signed ? -128 : 0) - zp), hi = static_cast<float>((is_signed ? 127 : 255) - zp);
    std::vector<float> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      switch (i % 9) {
        case 0: x[i] = std::numeric_limits<float>::quiet_NaN(); break;
        case 1: x[i] = (i % 2 ? 1 : -1) * std::numeric_limits<float>::infinity(); break;
        case 2: x[i] = scale * (static_cast<float>(i % 40) - 20.5f); break;  // ties
        default: x[i] = wide(rng);
      }
    }
    std::vector<uint8_t> want(static_cast<size_t>(n + 20), 0xA5), got(want);
    quant::quantize_row_portable(x.data(), n, scale, lo, hi, zp, is_signed, want.data());
    quant::quantize_row_avx512(x.data(), n, scale, lo, hi, zp, is_signed, got.data());
    ASSERT_EQ(got, want) << "n " << n << " scale " << scale << " zp " << zp;  // equal tails: nothing past n
  }
#else
  GTEST_SKIP() << "x86 kernel";
#endif
}

}  // namespace
}  // namespace coreinfer::quant_test
