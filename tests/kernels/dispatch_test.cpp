#include "kernels/dispatch.h"

#include <gtest/gtest.h>

#include <string>

#include "kernels/kernel_table.h"

namespace coreinfer::kernels {
namespace {

constexpr Isa kAll[] = {Isa::kScalar, Isa::kAvx2,    Isa::kAvx512, Isa::kAvx512Vnni,
                        Isa::kNeon,   Isa::kDotprod, Isa::kI8mm,   Isa::kSve};

[[maybe_unused]] bool is_x86(Isa isa) { return isa == Isa::kAvx2 || isa == Isa::kAvx512 || isa == Isa::kAvx512Vnni; }
[[maybe_unused]] bool is_arm(Isa isa) { return static_cast<int>(isa) >= static_cast<int>(Isa::kNeon); }

TEST(Dispatch, IsaNamesRoundTrip) {
  for (Isa isa : kAll) {
    Isa parsed = Isa::kScalar;
    ASSERT_TRUE(parse_isa(isa_name(isa), &parsed)) << isa_name(isa);
    EXPECT_EQ(parsed, isa);
  }
  Isa out = Isa::kAvx2;
  EXPECT_FALSE(parse_isa("avx3", &out));
  EXPECT_FALSE(parse_isa("", &out));
  EXPECT_FALSE(parse_isa(nullptr, &out));
  EXPECT_FALSE(parse_isa("AVX2", &out));  // the names are lower case
  EXPECT_EQ(out, Isa::kAvx2);             // untouched on failure
}

TEST(Dispatch, ResolveIsaFromTheEnvironmentValue) {
  std::string warning = "stale";
  EXPECT_EQ(resolve_isa(nullptr, &warning), best_supported_isa());
  EXPECT_TRUE(warning.empty());
  EXPECT_EQ(resolve_isa("", &warning), best_supported_isa());
  EXPECT_TRUE(warning.empty());
  EXPECT_EQ(resolve_isa("scalar", &warning), Isa::kScalar);
  EXPECT_TRUE(warning.empty());
  EXPECT_EQ(resolve_isa(isa_name(best_supported_isa()), &warning), best_supported_isa());
  EXPECT_TRUE(warning.empty());

  EXPECT_EQ(resolve_isa("fastest", &warning), best_supported_isa());
  EXPECT_NE(warning.find("fastest"), std::string::npos) << warning;
  EXPECT_NE(warning.find("avx512vnni"), std::string::npos) << "lists the valid names: " << warning;

  for (Isa isa : kAll) {
    if (isa_supported(isa)) continue;
    EXPECT_EQ(resolve_isa(isa_name(isa), &warning), best_supported_isa());
    EXPECT_NE(warning.find("not supported"), std::string::npos) << warning;
  }
}

TEST(Dispatch, SupportedLevelsFollowTheArchitecture) {
  EXPECT_TRUE(isa_supported(Isa::kScalar));
  const Isa best = best_supported_isa();
  EXPECT_TRUE(isa_supported(best));
  for (Isa isa : kAll) {
#if defined(__x86_64__)
    if (is_arm(isa)) { EXPECT_FALSE(isa_supported(isa)) << isa_name(isa); }
#elif defined(__aarch64__)
    if (is_x86(isa)) { EXPECT_FALSE(isa_supported(isa)) << isa_name(isa); }
#endif
    // Levels are cumulative: everything above the best is missing, everything of the same
    // architecture below it is present.
    if (static_cast<int>(isa) > static_cast<int>(best)) { EXPECT_FALSE(isa_supported(isa)) << isa_name(isa); }
    if (static_cast<int>(isa) < static_cast<int>(best) && is_x86(isa) == is_x86(best) && isa != Isa::kScalar) {
      EXPECT_TRUE(isa_supported(isa)) << isa_name(isa);
    }
  }
}

TEST(Dispatch, ScalarTableIsComplete) {
  KernelTable t;
  ASSERT_TRUE(build_table(Isa::kScalar, &t));
  EXPECT_EQ(t.isa, Isa::kScalar);
  EXPECT_NE(t.gemm_nt_f32, nullptr);
  EXPECT_NE(t.dot_f32, nullptr);
  EXPECT_NE(t.rmsnorm, nullptr);
  EXPECT_NE(t.softmax, nullptr);
  EXPECT_NE(t.silu_mul, nullptr);
  EXPECT_NE(t.axpy, nullptr);
  EXPECT_NE(t.rope, nullptr);
  for (Isa isa : {t.gemm_isa, t.dot_isa, t.rmsnorm_isa, t.softmax_isa, t.silu_mul_isa, t.axpy_isa, t.rope_isa})
    EXPECT_EQ(isa, Isa::kScalar);
  int weight_types = 0;
  for (const WeightKernels& w : t.weights) {
    if (w.dot_row == nullptr) continue;
    ++weight_types;
    EXPECT_NE(w.dequant_row, nullptr);
    EXPECT_EQ(w.dot_isa, Isa::kScalar);
    EXPECT_EQ(w.dequant_isa, Isa::kScalar);
  }
  EXPECT_GT(weight_types, 0);
  EXPECT_NE(t.weight(DType::kF32), nullptr);
}

TEST(Dispatch, UnsupportedLevelBuildsNothing) {
  for (Isa isa : kAll) {
    if (isa_supported(isa)) continue;
    KernelTable t;
    t.dot_f32 = nullptr;
    EXPECT_FALSE(build_table(isa, &t)) << isa_name(isa);
    EXPECT_EQ(t.dot_f32, nullptr);
  }
}

// Every entry of a level's table comes from that level or one below it.
void expect_within(const KernelTable& t, Isa max_isa) {
  const auto ok = [&](Isa isa) {
    return isa_supported(isa) && static_cast<int>(isa) <= static_cast<int>(max_isa) &&
           (isa == Isa::kScalar || is_x86(isa) == is_x86(max_isa));
  };
  for (Isa isa : {t.gemm_isa, t.dot_isa, t.rmsnorm_isa, t.softmax_isa, t.silu_mul_isa, t.axpy_isa, t.rope_isa})
    EXPECT_TRUE(ok(isa)) << isa_name(isa) << " in a " << isa_name(max_isa) << " table";
  for (const WeightKernels& w : t.weights) {
    EXPECT_TRUE(ok(w.dot_isa)) << isa_name(w.dot_isa);
    EXPECT_TRUE(ok(w.dequant_isa)) << isa_name(w.dequant_isa);
  }
}

TEST(Dispatch, EachLevelsTableStaysWithinIt) {
  for (Isa isa : kAll) {
    if (!isa_supported(isa)) continue;
    KernelTable t;
    ASSERT_TRUE(build_table(isa, &t));
    EXPECT_EQ(t.isa, isa);
    expect_within(t, isa);
#if defined(__x86_64__)
    if (isa == Isa::kAvx2) { EXPECT_EQ(t.gemm_isa, Isa::kAvx2); }
    if (isa == Isa::kAvx512 || isa == Isa::kAvx512Vnni) { EXPECT_EQ(t.gemm_isa, Isa::kAvx512); }
#endif
  }
}

TEST(Dispatch, ActiveTableDoesNotExceedTheCpu) {
  const KernelTable& t = active();
  EXPECT_EQ(&t, &active());
  EXPECT_TRUE(isa_supported(t.isa));
  expect_within(t, t.isa);
  EXPECT_NE(t.gemm_nt_f32, nullptr);
}

}  // namespace
}  // namespace coreinfer::kernels
