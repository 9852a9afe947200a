// The graph engine's fp32 GEMM / convolution kernels against this machine's own peak:
//   coreinfer_graph_kernels_bench [--benchmark_filter=conv]
// The peak is measured here, once per thread count: every thread runs a chain of independent
// FMAs on registers at the widest vector width the active kernel table uses (AVX-512, AVX2+FMA,
// or 4-wide otherwise). Each benchmark reports FLOP/s (counter "flops") and its share of that
// peak for the threads it used ("peak_frac"), so a reading means the same on any machine.
// Shapes: the micro-kernel on a cache-resident tile, the packed SGEMM on squares and ResNet-50
// 1x1 shapes, and Conv on ResNet-50 layers (batch 1 and 8).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "graph/graph.h"
#include "graph/op_kernel.h"
#include "graph/ops/nn/im2col.h"
#include "graph/ops/nn/nchwc_ops.h"
#include "graph/ops/nn/nn_ops.h"
#include "graph/ops/nn/sgemm.h"
#include "graph/tensor.h"
#include "kernels/kernel_table.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

using namespace coreinfer;
using Clock = std::chrono::steady_clock;

// ---- peak: 2 * lanes * 16 FLOP per iteration, 16 independent accumulators (enough to cover
// FMA latency x throughput on current cores).
// Short chains, best of many: on a shared machine the best interval is the one nobody preempted.
constexpr int64_t kChainIters = 1 << 15;
constexpr int kPeakRepeats = 300;

#if defined(__x86_64__)
__attribute__((target("avx512f"))) float fma_chain_avx512(int64_t iters) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(0.001f * i);
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.0001f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) float fma_chain_avx2(int64_t iters) {
  __m256 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm256_set1_ps(0.001f * i);
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.0001f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  alignas(32) float out[8];
  __m256 s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm256_add_ps(s, acc[i]);
  _mm256_store_ps(out, s);
  return out[0] + out[7];
}
#endif

float fma_chain_generic(int64_t iters) {
  typedef float V __attribute__((vector_size(16)));
  V acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = V{0.001f * i, 0, 0, 0};
  const V a = {0.999f, 0.999f, 0.999f, 0.999f}, b = {1e-4f, 1e-4f, 1e-4f, 1e-4f};
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = acc[i] * a + b;
  }
  float s = 0;
  for (int i = 0; i < 16; ++i) s += acc[i][0];
  return s;
}

// Lanes of the widest FMA the active table's GEMM uses, and the chain at that width.
struct PeakLoop {
  int lanes;
  float (*fn)(int64_t);
};

PeakLoop peak_loop() {
#if defined(__x86_64__)
  const kernels::Isa isa = kernels::active().isa;
  if (kernels::has_avx512(isa)) return {16, fma_chain_avx512};
  if (isa == kernels::Isa::kAvx2) return {8, fma_chain_avx2};
#endif
  return {4, fma_chain_generic};
}

ThreadPool& pool_for(int threads) {
  static std::map<int, std::unique_ptr<ThreadPool>> pools;
  auto& p = pools[threads];
  if (!p) {
    ThreadPoolOptions o;
    o.threads = threads;
    p = std::make_unique<ThreadPool>(o);
  }
  return *p;
}

// Peak FLOP/s with `threads` threads: the best of kPeakRepeats runs of the chain on every thread
// at once.
double peak_flops(int threads) {
  static std::map<int, double> cache;
  if (auto it = cache.find(threads); it != cache.end()) return it->second;
  const PeakLoop loop = peak_loop();
  ThreadPool& pool = pool_for(threads);
  std::atomic<float> sink{0};
  double best = 0;
  for (int rep = 0; rep < kPeakRepeats; ++rep) {
    const auto t0 = Clock::now();
    pool.run([&](int, int) { sink = sink + loop.fn(kChainIters); });
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, 2.0 * loop.lanes * 16 * kChainIters * threads / s);
  }
  cache[threads] = best;
  return best;
}

// Times the benchmark loop itself (wall clock) so that the peak fraction is a plain number.
class Timer {
 public:
  Timer() : start_(Clock::now()) {}
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  Clock::time_point start_;
};

// Counters: flops (FLOP/s), peak_gflops (this thread count's measured peak) and peak_frac
// (achieved / peak).
void report(benchmark::State& state, double flops_per_iter, int threads, double seconds) {
  const double peak = peak_flops(threads);
  const double achieved = seconds > 0 ? flops_per_iter * static_cast<double>(state.iterations()) / seconds : 0.0;
  state.counters["flops"] = benchmark::Counter(flops_per_iter, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak_gflops"] = peak / 1e9;
  state.counters["peak_frac"] = achieved / peak;
}

std::vector<float> random_floats(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

void BM_PeakFma(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const PeakLoop loop = peak_loop();
  ThreadPool& pool = pool_for(threads);
  std::atomic<float> sink{0};
  peak_flops(threads);
  const Timer timer;
  for (auto _ : state) pool.run([&](int, int) { sink = sink + loop.fn(kChainIters); });
  report(state, 2.0 * loop.lanes * 16 * kChainIters * threads, threads, timer.seconds());
}
BENCHMARK(BM_PeakFma)->Arg(1)->Arg(2)->UseRealTime();

// The micro-kernel alone: one mr x nr tile over kc = 256 with A, B and C in L1.
void BM_MicroKernel(benchmark::State& state) {
  const nn::GemmKernel k = nn::select_gemm_kernel(kernels::active());
  const int64_t kc = 256;
  const std::vector<float> a = random_floats(kc * k.mr, 1), b = random_floats(kc * k.nr, 2);
  std::vector<float> c(static_cast<size_t>(k.mr * k.nr));
  peak_flops(1);
  const Timer timer;
  for (auto _ : state) {
    k.fn(kc, a.data(), b.data(), c.data(), k.nr, false, nullptr);
    benchmark::DoNotOptimize(c.data());
  }
  state.SetLabel(std::string(k.name) + " " + std::to_string(k.mr) + "x" + std::to_string(k.nr));
  report(state, 2.0 * k.mr * k.nr * kc, 1, timer.seconds());
}
BENCHMARK(BM_MicroKernel)->UseRealTime();

// The packed SGEMM, C = A·B with constant (pre-packed) A and B packed per call, as Conv runs it.
void BM_Sgemm(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  const nn::GemmKernel kern = nn::select_gemm_kernel(kernels::active());
  const std::vector<float> a = random_floats(m * k, 1), b = random_floats(k * n, 2);
  std::vector<float> c(static_cast<size_t>(m * n));
  const nn::PackedA pa = nn::pack_a(kern, m, k, nn::MatrixView{a.data(), k, 1});
  nn::GemmB src;
  src.view = nn::MatrixView{b.data(), n, 1};
  nn::GemmScratch scratch;
  std::vector<const Tensor*> no_inputs;
  std::vector<Tensor> no_outputs;
  OpRunContext ctx{no_inputs, no_outputs, &pool_for(threads), kernels::active()};
  peak_flops(threads);
  const Timer timer;
  for (auto _ : state) {
    nn::sgemm(ctx, kern, m, n, k, pa, src, c.data(), n, nn::GemmEpilogue{}, &scratch);
    benchmark::DoNotOptimize(c.data());
  }
  report(state, 2.0 * m * n * k, threads, timer.seconds());
}
// Squares, then ResNet-50 1x1 convolutions as GEMMs (M = out channels, N = batch * H * W, K = in
// channels): stage 1 at batch 1, stage 3 and stage 4 at batch 32.
BENCHMARK(BM_Sgemm)
    ->ArgNames({"m", "n", "k", "threads"})
    ->ArgsProduct({{256}, {256}, {256}, {1, 2}})
    ->ArgsProduct({{1024}, {1024}, {1024}, {1, 2}})
    ->Args({64, 3136, 256, 1})
    ->Args({64, 3136, 256, 2})
    ->Args({256, 3136, 64, 2})
    ->Args({1024, 32 * 196, 256, 2})
    ->Args({2048, 32 * 49, 512, 2})
    ->Args({512, 32 * 49, 2048, 2})
    ->UseRealTime();

// A ResNet-50 Conv layer through the registered kernel (constant weights and bias, fused Relu).
struct ConvLayer {
  int64_t c, h, m, k, stride;
};
constexpr ConvLayer kLayers[] = {
    {3, 224, 64, 7, 2},    // stem
    {64, 56, 64, 3, 1},    // stage 1 3x3
    {64, 56, 256, 1, 1},   // stage 1 expand
    {128, 56, 128, 3, 2},  // stage 2 strided 3x3 (v1.5)
    {256, 14, 256, 3, 1},  // stage 3 3x3
    {512, 7, 512, 3, 1},   // stage 4 3x3
    {512, 7, 2048, 1, 1},  // stage 4 expand
    {2048, 7, 512, 1, 1},  // stage 4 reduce
    {1024, 14, 2048, 1, 2},  // stage 4 strided 1x1 shortcut
    {128, 28, 128, 3, 1},  // stage 2 3x3
    {1024, 14, 256, 1, 1},  // stage 3 reduce
};

// nchwc: coreinfer::NchwcConv on blocked input (NCHW for the 3-channel stem), else Conv.
void run_conv_layer(benchmark::State& state, bool nchwc) {
  const ConvLayer L = kLayers[state.range(0)];
  const int64_t batch = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  const int64_t pad = L.k / 2, oh = (L.h + 2 * pad - L.k) / L.stride + 1;
  Node node;
  node.op_type = nchwc ? "NchwcConv" : "Conv";
  node.inputs = {"x", "w", "b"};
  const bool nchw_input = !nchwc || L.c % 16 != 0;
  if (nchwc && nchw_input) node.attrs.set_int("nchw_input", 1);
  node.outputs = {"y"};
  node.attrs.set_ints("pads", {pad, pad, pad, pad});
  node.attrs.set_ints("strides", {L.stride, L.stride});
  node.attrs.set_string("activation", "Relu");
  const Shape x_shape = nchw_input ? Shape{batch, L.c, L.h, L.h} : Shape{batch, L.c / 16, L.h, L.h, 16};
  Tensor x = Tensor::from_vector<float>(x_shape, random_floats(batch * L.c * L.h * L.h, 1));
  Tensor w = Tensor::from_vector<float>({L.m, L.c, L.k, L.k}, random_floats(L.m * L.c * L.k * L.k, 2));
  Tensor b = Tensor::from_vector<float>({L.m}, random_floats(L.m, 3));
  const Tensor* consts[] = {nullptr, &w, &b};
  const OpBuildContext bctx{node, 17, consts, kernels::active()};
  // cold: round robin over copies of the layer whose weights together overflow the caches, as in
  // a whole network, where every layer's weights come from memory.
  const bool cold = state.range(3) != 0;
  // (At most 32: each copy also keeps its own scratch, which small layers would make the bulk.)
  const int64_t copies = cold ? std::clamp<int64_t>((int64_t{96} << 20) / (w.numel() * 4), 2, 32) : 1;
  std::vector<std::unique_ptr<OpKernel>> instances;
  for (int64_t i = 0; i < copies; ++i) {
    auto kernel = nchwc ? nn::make_nchwc_conv(bctx) : nn::make_conv(bctx);
    if (!kernel.is_ok()) {
      state.SkipWithError(kernel.status().to_string().c_str());
      return;
    }
    instances.push_back(std::move(*kernel));
  }
  const Tensor* ins[] = {&x, &w, &b};
  std::vector<Tensor> outs(1);
  OpRunContext ctx{ins, outs, &pool_for(threads), kernels::active()};
  peak_flops(threads);
  const Timer timer;
  double best = 1e30;  // the fastest single run: a reading that survives a busy machine
  size_t next = 0;
  for (auto _ : state) {
    OpKernel& kernel = *instances[next];
    next = (next + 1) % instances.size();
    const Timer run_timer;
    const Status st = kernel.run(ctx);
    if (!st.is_ok()) {
      state.SkipWithError(st.to_string().c_str());
      return;
    }
    best = std::min(best, run_timer.seconds());
  }
  state.counters["best_us"] = best * 1e6;
  state.SetLabel(std::to_string(L.c) + "->" + std::to_string(L.m) + " " + std::to_string(L.k) + "x" +
                 std::to_string(L.k) + "/" + std::to_string(L.stride) + " @" + std::to_string(L.h));
  report(state, 2.0 * batch * L.m * oh * oh * L.c * L.k * L.k, threads, timer.seconds());
}
void BM_Conv(benchmark::State& state) { run_conv_layer(state, false); }
void BM_ConvNchwc(benchmark::State& state) { run_conv_layer(state, true); }
BENCHMARK(BM_ConvNchwc)
    ->ArgNames({"layer", "batch", "threads", "cold"})
    ->ArgsProduct({{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {1}, {1, 2}, {0}})
    ->ArgsProduct({{4, 5, 7, 8}, {1}, {2}, {1}})
    ->UseRealTime();
BENCHMARK(BM_Conv)
    ->ArgNames({"layer", "batch", "threads", "cold"})
    ->ArgsProduct({{0, 1, 2, 3, 4, 5, 6}, {1, 8}, {2}, {0}})
    ->ArgsProduct({{7, 8, 9, 10}, {1}, {2}, {0}})
    ->ArgsProduct({{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {1}, {1}, {0, 1}})
    ->ArgsProduct({{4, 5, 7, 8}, {1}, {2}, {1}})
    ->UseRealTime();

// The im2col packing alone for a layer's whole B (batch 1), depth block by depth block as the
// GEMM packs it (at most 384 steps, 32-column panels, blocks of 256 KB), on one thread.
void BM_Im2col(benchmark::State& state) {
  const ConvLayer L = kLayers[state.range(0)];
  const int64_t pad = L.k / 2;
  nn::WindowAttrs attrs;
  attrs.kernel_shape = {L.k, L.k};
  attrs.strides = {L.stride, L.stride};
  attrs.dilations = {1, 1};
  attrs.pads = {pad, pad, pad, pad};
  auto geometry = nn::resolve_window(attrs, {L.h, L.h}, {L.k, L.k});
  if (!geometry.is_ok()) {
    state.SkipWithError(geometry.status().to_string().c_str());
    return;
  }
  const nn::WindowGeometry g = *geometry;
  const std::vector<float> x = random_floats(L.c * L.h * L.h, 1);
  const int nr = 32;
  const int64_t k = L.c * L.k * L.k, n = g.out_size();
  const int64_t blocks = (k + 383) / 384, kc = (k + blocks - 1) / blocks;
  const int64_t nc = std::max<int64_t>(nr, (int64_t{64} << 10) / kc / nr * nr);
  std::vector<float> dst(static_cast<size_t>(kc * nc));
  const nn::Im2colPackFn pack = nn::select_im2col_packer(kernels::active());
  double best = 1e30;
  for (auto _ : state) {
    const Timer run_timer;
    for (int64_t n0 = 0; n0 < n; n0 += nc)
      for (int64_t k0 = 0; k0 < k; k0 += kc) {
        pack(x.data(), 0, g, nr, k0, std::min(kc, k - k0), n0, std::min(nc, n - n0), dst.data());
        benchmark::DoNotOptimize(dst.data());
      }
    best = std::min(best, run_timer.seconds());
  }
  state.counters["best_us"] = best * 1e6;
  state.SetLabel(std::to_string(L.c) + "->" + std::to_string(L.m) + " " + std::to_string(L.k) + "x" +
                 std::to_string(L.k) + "/" + std::to_string(L.stride) + " @" + std::to_string(L.h));
}
BENCHMARK(BM_Im2col)->ArgName("layer")->DenseRange(0, 10)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
