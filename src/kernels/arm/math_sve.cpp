// SVE (vector-length agnostic) fp32 kernels: dot, and the GEMM of gemm_f32_sve.cpp. The other
// fp32 kernels stay NEON. The tail of a dot runs under a whilelt predicate (inactive lanes
// neither load nor accumulate).
#include <arm_sve.h>

#include "kernels/arm/math_arm.h"
#include "kernels/kernel_table.h"

namespace coreinfer::kernels {
namespace {

float dot_f32_sve(const float* a, const float* b, int64_t n) {
  const svbool_t all = svptrue_b32();
  const int64_t vl = static_cast<int64_t>(svcntw());
  svfloat32_t acc0 = svdup_n_f32(0.0f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  int64_t i = 0;
  for (; i + 4 * vl <= n; i += 4 * vl) {
    acc0 = svmla_f32_x(all, acc0, svld1_f32(all, a + i), svld1_f32(all, b + i));
    acc1 = svmla_f32_x(all, acc1, svld1_f32(all, a + i + vl), svld1_f32(all, b + i + vl));
    acc2 = svmla_f32_x(all, acc2, svld1_f32(all, a + i + 2 * vl), svld1_f32(all, b + i + 2 * vl));
    acc3 = svmla_f32_x(all, acc3, svld1_f32(all, a + i + 3 * vl), svld1_f32(all, b + i + 3 * vl));
  }
  for (; i < n; i += vl) {
    const svbool_t pg = svwhilelt_b32(i, n);
    acc0 = svmla_f32_m(pg, acc0, svld1_f32(pg, a + i), svld1_f32(pg, b + i));
  }
  return svaddv_f32(all, svadd_f32_x(all, svadd_f32_x(all, acc0, acc1), svadd_f32_x(all, acc2, acc3)));
}

}  // namespace

void register_math_sve(KernelTable& t) {
  t.gemm_nt_f32 = gemm_nt_f32_sve;
  t.dot_f32 = dot_f32_sve;
  t.gemm_isa = t.dot_isa = Isa::kSve;
}

}  // namespace coreinfer::kernels
