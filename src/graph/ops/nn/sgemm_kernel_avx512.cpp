// The AVX-512 micro-kernel: 8 x 32 tiles in 16 zmm accumulators; narrow column tiles through
// masked loads and stores, those of at most 16 columns through an 8 x 16 kernel.
#if defined(__x86_64__)
#include <immintrin.h>

#include "graph/ops/nn/bias_act_impl.h"
#include "graph/ops/nn/sgemm_kernel.h"

namespace coreinfer::nn {
namespace {
struct Avx512 {
  using V = __m512;
  static constexpr int kLanes = 16;
  static constexpr int kPrefetchA = 1024;  // 4 KB: covers the memory latency at full speed
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static __mmask16 first(int n) {
    return n >= kLanes ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : static_cast<__mmask16>((1u << n) - 1);
  }
  static V load_n(const float* p, int n) { return _mm512_maskz_loadu_ps(first(n), p); }
  static void store_n(float* p, V v, int n) { _mm512_mask_storeu_ps(p, first(n), v); }
  static V splat(float x) { return _mm512_set1_ps(x); }
  static V max(V a, V b) { return _mm512_max_ps(a, b); }
  static V min(V a, V b) { return _mm512_min_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
};
void bias_act(float* x, int64_t n, float bias, const float* col_bias, const Activation& act) {
  detail::bias_act(x, n, bias, col_bias, act);
}
}  // namespace

GemmKernel gemm_kernel_avx512() {
  GemmKernel g{8, 32, micro_kernel<Avx512, 8, 2>, "avx512", bias_act, true, micro_kernel<Avx512, 8, 1, 32>, 16};
  set_few_rows<Avx512, 2, 8>(g);
  return g;
}

}  // namespace coreinfer::nn
#endif
