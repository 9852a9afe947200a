// The portable micro-kernel: 4-float vectors (SSE2 / NEON width), 6 x 8 tiles.
#include <cstring>

#include "graph/ops/nn/bias_act_impl.h"
#include "graph/ops/nn/sgemm_kernel.h"

namespace coreinfer::nn {
namespace {
struct Generic {
  typedef float V __attribute__((vector_size(16)));
  static constexpr int kLanes = 4;
  static V load(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
  }
  static void store(float* p, V v) { std::memcpy(p, &v, sizeof(V)); }
  static V splat(float x) { return V{x, x, x, x}; }
  static V fma(V a, V b, V c) { return a * b + c; }
  static V max(V a, V b) { return a > b ? a : b; }
  static V min(V a, V b) { return a < b ? a : b; }
};

void bias_act(float* x, int64_t n, float bias, const float* col_bias, const Activation& act) {
  detail::bias_act(x, n, bias, col_bias, act);
}
}  // namespace

GemmKernel gemm_kernel_generic() {
  GemmKernel g{6, 8, micro_kernel<Generic, 6, 2>, "generic", bias_act};
  set_few_rows<Generic, 2, 6>(g);
  return g;
}

}  // namespace coreinfer::nn
