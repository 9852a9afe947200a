// Shared by the fp32 kernel tests: one fixture per SIMD level (skipped when the CPU lacks it),
// aligned buffers with guard values for unaligned views, and the fp32 rounding unit.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "core/aligned_buffer.h"
#include "kernels/kernel_table.h"

namespace coreinfer::kernels::testing {

// Unit roundoff of fp32: a correctly rounded operation has relative error <= kU.
// A sum of d terms in any order has absolute error <= gamma(d) * sum|terms|, gamma(d) ~ d*kU.
inline constexpr double kU = 0x1p-24;

// Every SIMD level of both architectures; the fixture skips the ones this CPU lacks.
inline constexpr Isa kSimdLevels[] = {Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kNeon,
                                      Isa::kDotprod, Isa::kI8mm, Isa::kSve};
// Scalar and every SIMD level (the scalar one through the same fixture).
inline constexpr Isa kAllLevels[] = {Isa::kScalar, Isa::kAvx2,    Isa::kAvx512, Isa::kAvx512Vnni,
                                     Isa::kNeon,   Isa::kDotprod, Isa::kI8mm,   Isa::kSve};

inline std::string level_test_name(const ::testing::TestParamInfo<Isa>& info) { return isa_name(info.param); }

// simd = the table limited to GetParam(), ref = the scalar table.
class LevelTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!build_table(GetParam(), &simd)) GTEST_SKIP() << "this CPU lacks " << isa_name(GetParam());
    ASSERT_TRUE(build_table(Isa::kScalar, &ref));
  }
  std::string level() const { return isa_name(GetParam()); }

  KernelTable simd;
  KernelTable ref;
};

// `count` floats starting `offset` floats past a 64-byte boundary, with guard floats on both
// sides to catch out-of-bounds writes.
class GuardedFloats {
 public:
  static constexpr int kGuard = 32;
  static constexpr float kGuardValue = -12345.5f;

  GuardedFloats(int64_t count, int offset, float fill = 0.0f)
      : count_(count), offset_(offset), storage_((count + 2 * kGuard + offset) * sizeof(float) + 64) {
    float* base = storage_.as<float>();
    for (int64_t i = 0; i < count + 2 * kGuard + offset; ++i) base[i] = kGuardValue;
    for (int64_t i = 0; i < count; ++i) data()[i] = fill;
  }
  // 64-byte aligned plus offset floats (kGuard = 32 floats keeps the alignment).
  float* data() { return storage_.as<float>() + kGuard + offset_; }
  bool guards_intact() const {
    const float* base = storage_.as<float>();
    for (int64_t i = 0; i < kGuard + offset_; ++i)
      if (std::memcmp(&base[i], &kGuardValue, sizeof(float)) != 0) return false;
    for (int64_t i = kGuard + offset_ + count_; i < count_ + 2 * kGuard + offset_; ++i)
      if (std::memcmp(&base[i], &kGuardValue, sizeof(float)) != 0) return false;
    return true;
  }

 private:
  int64_t count_;
  int offset_;
  AlignedBuffer storage_;
};

inline void fill_uniform(float* x, int64_t n, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < n; ++i) x[i] = dist(rng);
}

// Small integers: every product and partial sum is exact in fp32, so any order gives the same bits.
inline void fill_small_integers(float* x, int64_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> dist(-8, 8);
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(dist(rng));
}

}  // namespace coreinfer::kernels::testing
