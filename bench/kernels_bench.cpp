// Micro-benchmarks of the kernels, one set per kernel level this CPU supports:
//   coreinfer_kernels_bench --benchmark_filter=gemm/avx512
// gemm reports FLOP/s (2*m*n*k per call), dot reports bytes/s read. Single-threaded, as the
// kernels are; the runtime splits the rows of a GEMM across its thread pool.
// gemv/<level>/<type>/{fp32,int8}: the decode GEMV from memory through the fp32 path and the
// 8-bit activation path (kernels/quant/int8_path.h); membw/<level> is the bandwidth bound.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>
#include <string>

#include "core/aligned_buffer.h"
#include "core/dtype.h"
#include "core/huge_page_buffer.h"
#include "kernels/kernel_table.h"
#include "kernels/quant/int8_path.h"
#include "kernels/quant/int8_rows.h"

namespace {

using coreinfer::AlignedBuffer;
using coreinfer::DType;
using namespace coreinfer::kernels;

constexpr Isa kLevels[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kNeon, Isa::kDotprod, Isa::kI8mm, Isa::kSve};

AlignedBuffer random_floats(int64_t n, uint32_t seed) {
  AlignedBuffer buf(static_cast<size_t>(n) * sizeof(float));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t i = 0; i < n; ++i) buf.as<float>()[i] = dist(rng);
  return buf;
}

struct GemmShape {
  int64_t m, n, k;
  const char* what;
};

// Rows of a 7B-class layer (dim 4096, ffn 11008) and a small model, decode and prompt sizes.
constexpr GemmShape kGemmShapes[] = {
    {4096, 1, 4096, "decode-gemv"},     {11008, 1, 4096, "decode-ffn-gemv"}, {1024, 16, 1024, "small-batch"},
    {1024, 128, 1024, "prompt-small"},  {4096, 64, 4096, "prompt-64"},       {2048, 512, 2048, "prompt-512"},
};

void gemm(benchmark::State& state, GemmNtF32Fn fn, GemmShape s) {
  const AlignedBuffer a = random_floats(s.m * s.k, 1), b = random_floats(s.n * s.k, 2);
  AlignedBuffer c(static_cast<size_t>(s.m * s.n) * sizeof(float));
  for (auto _ : state) {
    fn(s.m, s.n, s.k, a.as<float>(), s.k, b.as<float>(), s.k, c.as<float>(), s.m);
    benchmark::ClobberMemory();
  }
  state.counters["FLOPS"] = benchmark::Counter(2.0 * s.m * s.n * s.k, benchmark::Counter::kIsIterationInvariantRate);
}

void dot(benchmark::State& state, DotF32Fn fn, int64_t n) {
  const AlignedBuffer a = random_floats(n, 3), b = random_floats(n, 4);
  for (auto _ : state) benchmark::DoNotOptimize(fn(a.as<float>(), b.as<float>(), n));
  state.counters["bytes"] = benchmark::Counter(2.0 * n * sizeof(float), benchmark::Counter::kIsIterationInvariantRate,
                                               benchmark::Counter::kIs1024);
}

// Weight rows in a stored format: `rows` rows of `cols`, quantised from random values with the
// scalar quantiser, in huge-page memory like the model's weights. Reports weight bytes/s read.
// in-cache: 32 rows x 2048 (L2-resident) -> the kernel's compute speed; stream: 128 MiB or so
// -> the speed one core reaches from memory.
// packed: the rows repacked into the type's packed layout and multiplied through packed_dot_multi
// (the decode GEMV as ops::matmul runs it); otherwise dot_multi on the GGUF layout.
void weight_dot(benchmark::State& state, const KernelTable* t, DType type, int64_t rows, int64_t cols, bool packed) {
  const WeightKernels* k = t->weight(type);
  const size_t stride = coreinfer::row_bytes(type, cols);
  auto mem = coreinfer::HugePageBuffer::allocate(stride * static_cast<size_t>(rows));
  if (!mem.is_ok()) {
    state.SkipWithError("no memory");
    return;
  }
  const AlignedBuffer src = random_floats(cols, 5);
  std::vector<uint8_t> row(stride);
  k->quantize_row(src.as<float>(), row.data(), cols);
  if (packed) {
    std::vector<uint8_t> repacked(stride);
    k->repack_row(row.data(), repacked.data(), cols);
    row = repacked;
  }
  for (int64_t r = 0; r < rows; ++r) std::memcpy(mem->data() + r * stride, row.data(), stride);
  const AlignedBuffer x = random_floats(cols, 6);
  std::vector<float> y(static_cast<size_t>(rows));
  const DotMultiFn dot = packed ? k->packed_dot_multi : k->dot_multi;
  for (auto _ : state) {
    dot(mem->data(), stride, rows, x.as<float>(), cols, 1, y.data(), rows, cols);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["bytes"] = benchmark::Counter(static_cast<double>(stride * rows), benchmark::Counter::kIsIterationInvariantRate,
                                               benchmark::Counter::kIs1000);
}

// The decode GEMV as a model runs it, from memory: 2048 x 5632 matrices (a small model's FFN),
// as many as make >= 128 MiB, cycled so every call streams its matrix from DRAM. fp32: the fp32
// path (packed_dot_multi where the type has a packed layout, else dot_multi); int8: quantize_act
// of x then int8_dot_multi on the int8 layout. Reports weight bytes/s. in-cache: one 128-row
// matrix (L2-resident), the kernel's compute ceiling.
constexpr int64_t kGemvCols = 5632;
constexpr size_t kStreamBytes = size_t{128} << 20;

void gemv(benchmark::State& state, const KernelTable* t, DType type, bool int8, int64_t rows, bool stream) {
  const WeightKernels* k = t->weight(type);
  const size_t stride = coreinfer::row_bytes(type, kGemvCols), matrix = stride * rows;
  const int64_t n_mats = stream ? static_cast<int64_t>((kStreamBytes + matrix - 1) / matrix) : 1;
  auto mem = coreinfer::HugePageBuffer::allocate(matrix * static_cast<size_t>(n_mats));
  if (!mem.is_ok()) {
    state.SkipWithError("no memory");
    return;
  }
  std::vector<uint8_t> gguf(matrix);
  for (int64_t r = 0; r < rows; ++r) {  // 16 distinct rows, repeated
    if (r < 16) {
      const AlignedBuffer src = random_floats(kGemvCols, 100 + static_cast<uint32_t>(r));
      k->quantize_row(src.as<float>(), gguf.data() + r * stride, kGemvCols);
    } else {
      std::memcpy(gguf.data() + r * stride, gguf.data() + (r % 16) * stride, stride);
    }
  }
  if (int8) {
    int8_repack_rows(*k, gguf.data(), stride, mem->data(), rows, kGemvCols);  // row pairs where the level has them
  } else {
    for (int64_t r = 0; r < rows; ++r) {
      if (k->repack_row != nullptr) {
        k->repack_row(gguf.data() + r * stride, mem->data() + r * stride, kGemvCols);
      } else {
        std::memcpy(mem->data() + r * stride, gguf.data() + r * stride, stride);
      }
    }
  }
  for (int64_t m = 1; m < n_mats; ++m) std::memcpy(mem->data() + m * matrix, mem->data(), matrix);
  const AlignedBuffer x = random_floats(kGemvCols, 6);
  std::vector<uint8_t> xq(q8a_bytes(kGemvCols));
  std::vector<float> y(static_cast<size_t>(rows));
  const DotMultiFn dot = k->has_packed_layout() ? k->packed_dot_multi : k->dot_multi;
  int64_t m = 0;
  for (auto _ : state) {
    const uint8_t* w = mem->data() + m * matrix;
    if (int8) {
      t->quantize_act(x.as<float>(), xq.data(), kGemvCols);
      k->int8_dot_multi(w, stride, rows, xq.data(), xq.size(), 1, y.data(), rows, kGemvCols);
    } else {
      dot(w, stride, rows, x.as<float>(), kGemvCols, 1, y.data(), rows, kGemvCols);
    }
    benchmark::DoNotOptimize(y.data());
    m = (m + 1) % n_mats;
  }
  state.counters["bytes"] =
      benchmark::Counter(static_cast<double>(matrix), benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

// The single-core read bandwidth the GEMVs are bounded by: dot_f32 over two 64 MiB huge-page arrays.
void membw(benchmark::State& state, const KernelTable* t) {
  const int64_t n = (int64_t{64} << 20) / static_cast<int64_t>(sizeof(float));
  auto a = coreinfer::HugePageBuffer::allocate(static_cast<size_t>(n) * sizeof(float));
  auto b = coreinfer::HugePageBuffer::allocate(static_cast<size_t>(n) * sizeof(float));
  if (!a.is_ok() || !b.is_ok()) {
    state.SkipWithError("no memory");
    return;
  }
  auto* af = reinterpret_cast<float*>(a->data());
  auto* bf = reinterpret_cast<float*>(b->data());
  for (int64_t i = 0; i < n; ++i) af[i] = bf[i] = static_cast<float>(i % 7) * 0.25f;
  for (auto _ : state) benchmark::DoNotOptimize(t->dot_f32(af, bf, n));
  state.counters["bytes"] = benchmark::Counter(2.0 * static_cast<double>(n) * sizeof(float),
                                               benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

void register_level(Isa isa, const KernelTable& t) {
  const std::string level = isa_name(isa);
  for (const GemmShape& s : kGemmShapes) {
    if (isa == Isa::kScalar && s.m * s.n * s.k > (int64_t{1} << 30)) continue;  // minutes per call
    const std::string name = "gemm/" + level + "/" + s.what + "/m:" + std::to_string(s.m) + "/n:" + std::to_string(s.n) +
                             "/k:" + std::to_string(s.k);
    benchmark::RegisterBenchmark(name.c_str(), gemm, t.gemm_nt_f32, s)->Unit(benchmark::kMillisecond);
  }
  for (int64_t n : {int64_t{256}, int64_t{4096}, int64_t{65536}, int64_t{1} << 22}) {
    const std::string name = "dot/" + level + "/n:" + std::to_string(n);
    benchmark::RegisterBenchmark(name.c_str(), dot, t.dot_f32, n);
  }
  static KernelTable tables[16];
  static int n_tables = 0;
  const KernelTable* tp = &(tables[n_tables++] = t);
  for (DType type : {DType::kF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K}) {
    const std::string base = "weight_dot/" + level + "/" + std::string(coreinfer::dtype_name(type));
    const int64_t stream_rows = (int64_t{128} << 20) / static_cast<int64_t>(coreinfer::row_bytes(type, 5632));
    for (bool packed : {false, true}) {
      if (packed && !t.weight(type)->has_packed_layout()) continue;
      const std::string name = base + (packed ? "P" : "");
      benchmark::RegisterBenchmark((name + "/in-cache").c_str(), weight_dot, tp, type, int64_t{32}, int64_t{2048}, packed);
      benchmark::RegisterBenchmark((name + "/stream").c_str(), weight_dot, tp, type, stream_rows, int64_t{5632}, packed);
    }
  }
  benchmark::RegisterBenchmark(("membw/" + level).c_str(), membw, tp)->Unit(benchmark::kMillisecond);
  for (DType type : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K}) {
    const std::string base = "gemv/" + level + "/" + std::string(coreinfer::dtype_name(type));
    for (bool stream : {true, false}) {
      const std::string where = stream ? "/stream" : "/in-cache";
      const int64_t rows = stream ? 2048 : 128;
      benchmark::RegisterBenchmark((base + "/fp32" + where).c_str(), gemv, tp, type, false, rows, stream)
          ->Unit(benchmark::kMicrosecond);
      if (t.weight(type)->has_int8_path())
        benchmark::RegisterBenchmark((base + "/int8" + where).c_str(), gemv, tp, type, true, rows, stream)
            ->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (Isa isa : kLevels) {
    KernelTable t;
    if (build_table(isa, &t)) register_level(isa, t);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
