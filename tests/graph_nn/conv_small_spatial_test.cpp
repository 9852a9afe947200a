// Conv on small feature maps (7x7, 14x14 at batch 1: a narrow last column tile of the GEMM)
// against the scalar reference, with bias, fused Relu and the residual input, and one kernel
// run on a small map, a large map and the small one again (its scratch reused across shapes).
// Tolerance: 1e-5 * sum|x*w| + 1e-5.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "core/thread_pool.h"
#include "graph/ops/nn/nn_ops.h"
#include "kernels/kernel_table.h"
#include "nn_test_util.h"
#include "reference.h"

namespace coreinfer::nntest {
namespace {

struct SmallCase {
  std::string name;
  Shape x;
  int64_t m, kernel, stride, pad;
  bool residual;
};

// Runs `kernel` on x and checks act(conv(x) + z) (z: a random residual when given).
void check_run(OpKernel& kernel, const Tensor& x, const Tensor& w, const Tensor& b, const SmallCase& c, bool relu,
               std::mt19937& rng, const std::string& what) {
  const int64_t k = c.kernel, s = c.stride, p = c.pad;
  RefResult ref = ref_conv(x, w, &b, 1, {{k, k}, {s, s}, {}, {p, p, p, p}});
  Tensor z = c.residual ? random_tensor(ref.shape, rng) : Tensor();
  for (size_t i = 0; i < ref.values.size(); ++i) {
    if (c.residual) ref.values[i] += z.data<float>()[i];
    if (relu) ref.values[i] = std::max(ref.values[i], 0.0f);
  }
  std::vector<const Tensor*> ins = {&x, &w, &b};
  if (c.residual) ins.push_back(&z);
  std::vector<Tensor> outs(1);
  ThreadPoolOptions o;
  o.threads = 2;
  ThreadPool pool(o);
  OpRunContext ctx{ins, outs, &pool, kernels::active()};
  const Status st = kernel.run(ctx);
  ASSERT_TRUE(st.is_ok()) << what << ": " << st.to_string();
  ASSERT_EQ(outs[0].shape(), ref.shape) << what;
  expect_close(outs[0], ref.values, ref.scale, 1e-5, 1e-5, what);
}

TEST(ConvSmallSpatial, MatchesReferenceAcrossShapes) {
  const std::vector<SmallCase> cases = {
      {"3x3_7x7", {1, 40, 7, 7}, 24, 3, 1, 1, true},
      {"3x3_7x7_deep", {1, 100, 7, 7}, 72, 3, 1, 1, false},  // K = 900: three depth blocks
      {"1x1_14x14", {1, 24, 14, 14}, 40, 1, 1, 0, true},
      {"1x1_stride2_batch2", {2, 16, 14, 14}, 20, 1, 2, 0, true},  // 2 x 49 positions
      {"3x3_stride2_odd", {1, 9, 13, 11}, 17, 3, 2, 1, false},
  };
  uint32_t seed = 1;
  for (const SmallCase& c : cases)
    for (bool relu : {false, true}) {
      std::mt19937 rng(seed++);
      Tensor x = random_tensor(c.x, rng);
      Tensor w = random_tensor({c.m, c.x[1], c.kernel, c.kernel}, rng);
      Tensor b = random_tensor({c.m}, rng);
      Node node;
      node.op_type = "Conv";
      node.inputs = {"x", "w", "b"};
      if (c.residual) node.inputs.push_back("z");
      node.outputs = {"y"};
      node.attrs.set_ints("pads", {c.pad, c.pad, c.pad, c.pad});
      node.attrs.set_ints("strides", {c.stride, c.stride});
      if (relu) node.attrs.set_string("activation", "Relu");
      const Tensor* consts[] = {nullptr, &w, &b, nullptr};
      const OpBuildContext bctx{node, 17, consts, kernels::active()};
      auto kernel = nn::make_conv(bctx);
      ASSERT_TRUE(kernel.is_ok()) << kernel.status().to_string();
      // A larger map in between (256 columns: several column blocks of the GEMM), so the kernel's
      // scratch is reused across shapes. (16x16, not more: the scalar reference under qemu is slow.)
      Tensor big = random_tensor({1, c.x[1], 16, 16}, rng);
      const std::string what = c.name + (relu ? " relu" : "");
      check_run(**kernel, x, w, b, c, relu, rng, what + " first run");
      check_run(**kernel, big, w, b, c, relu, rng, what + " 16x16");
      check_run(**kernel, x, w, b, c, relu, rng, what + " again");
    }
}

}  // namespace
}  // namespace coreinfer::nntest
