// The AVX2 + FMA micro-kernel: 6 x 16 tiles in 12 ymm accumulators.
#if defined(__x86_64__)
#include <immintrin.h>

#include "graph/ops/nn/bias_act_impl.h"
#include "graph/ops/nn/sgemm_kernel.h"

namespace coreinfer::nn {
namespace {
struct Avx2 {
  using V = __m256;
  static constexpr int kLanes = 8;
  static constexpr int kPrefetchA = 1024;  // 4 KB: covers the memory latency at full speed
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V splat(float x) { return _mm256_set1_ps(x); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static V min(V a, V b) { return _mm256_min_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
};
void bias_act(float* x, int64_t n, float bias, const float* col_bias, const Activation& act) {
  detail::bias_act(x, n, bias, col_bias, act);
}
}  // namespace

GemmKernel gemm_kernel_avx2() {
  GemmKernel g{6, 16, micro_kernel<Avx2, 6, 2>, "avx2", bias_act};
  set_few_rows<Avx2, 2, 6>(g);
  return g;
}

}  // namespace coreinfer::nn
#endif
