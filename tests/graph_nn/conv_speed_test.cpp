// Timing of ResNet-50 / MobileNetV2-like layers (disabled by default; run with
// --gtest_also_run_disabled_tests --gtest_filter='*Speed*'). Prints wall and process-CPU
// GFLOP/s (CPU time is the useful number on a shared machine), checks nothing.
// COREINFER_NN_SPEED_THREADS=n, COREINFER_NN_SPEED_ONLY=<substring of a layer name>.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "core/thread_pool.h"
#include "graph/buffer_pool.h"
#include "graph/op_kernel.h"
#include "graph/ops/register.h"
#include "kernels/kernel_table.h"
#include "nn_test_util.h"

namespace coreinfer::nntest {
namespace {

struct Layer {
  const char* name;
  Shape x;
  int64_t m, k, stride, group;
};

TEST(DISABLED_ConvSpeed, Layers) {
  const Layer layers[] = {
      {"stem 7x7/2 3->64 224", {1, 3, 224, 224}, 64, 7, 2, 1},
      {"3x3 64->64 56", {1, 64, 56, 56}, 64, 3, 1, 1},
      {"1x1 64->256 56", {1, 64, 56, 56}, 256, 1, 1, 1},
      {"1x1 256->64 56", {1, 256, 56, 56}, 64, 1, 1, 1},
      {"3x3 128->128 28", {1, 128, 28, 28}, 128, 3, 1, 1},
      {"3x3 256->256 14", {1, 256, 14, 14}, 256, 3, 1, 1},
      {"3x3 512->512 7", {1, 512, 7, 7}, 512, 3, 1, 1},
      {"1x1 2048->512 7", {1, 2048, 7, 7}, 512, 1, 1, 1},
      {"dw 3x3 144 56", {1, 144, 56, 56}, 144, 3, 1, 144},
      {"dw 3x3/2 144 56", {1, 144, 56, 56}, 144, 3, 2, 144},
      {"1x1 24->144 56", {1, 24, 56, 56}, 144, 1, 1, 1},
  };
  OpRegistry registry;
  register_nn_ops(registry);
  ThreadPoolOptions po;
  if (const char* t = std::getenv("COREINFER_NN_SPEED_THREADS")) po.threads = std::atoi(t);
  ThreadPool pool(po);
  std::mt19937 rng(1);
  const char* only = std::getenv("COREINFER_NN_SPEED_ONLY");  // a substring of the layer names
  for (const Layer& l : layers) {
    if (only && std::string(l.name).find(only) == std::string::npos) continue;
    Tensor x = random_tensor(l.x, rng), w = random_tensor({l.m, l.x[1] / l.group, l.k, l.k}, rng),
           b = random_tensor({l.m}, rng);
    Node node;
    node.op_type = "Conv";
    node.inputs = {"x", "w", "b"};
    node.outputs = {"y"};
    node.attrs.set_ints("strides", {l.stride, l.stride});
    node.attrs.set_ints("pads", {l.k / 2, l.k / 2, l.k / 2, l.k / 2});
    node.attrs.set_int("group", l.group);
    std::vector<const Tensor*> consts{nullptr, &w, &b}, ins{&x, &w, &b};
    OpBuildContext bctx{node, 17, consts, kernels::active()};
    auto kernel = std::move((*registry.find("", "Conv"))(bctx)).value();
    std::vector<Tensor> outs(1);
    BufferPool buffers;  // as a Session: outputs reuse freed storage, no page faults per run
    OpRunContext ctx{ins, outs, &pool, kernels::active(), &buffers};
    ASSERT_TRUE(kernel->run(ctx).is_ok());
    const double flops = 2.0 * outs[0].numel() * (l.x[1] / l.group) * l.k * l.k;
    const int reps = static_cast<int>(std::max(20.0, 4e9 / flops));
    timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) ASSERT_TRUE(kernel->run(ctx).is_ok());
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    const double cpu = ((c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) * 1e-9) / reps;
    std::printf("%-24s %8.3f ms %7.1f GFLOP/s  cpu %8.3f ms %7.1f GFLOP/s/core (threads %d)\n", l.name, s * 1e3,
                flops / s * 1e-9, cpu * 1e3, flops / cpu * 1e-9, pool.size());
  }
}

}  // namespace
}  // namespace coreinfer::nntest
