#include "ops/memory_bandwidth.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

#include "core/huge_page_buffer.h"

namespace coreinfer::ops {

BandwidthResult measure_read_bandwidth(OpContext& ctx, size_t bytes, int repeats) {
  const int64_t n = static_cast<int64_t>(bytes / sizeof(float));
  // The same kind of memory the weights live in (see LlamaModel's WeightPlacement).
  auto buffer = HugePageBuffer::allocate(static_cast<size_t>(n) * sizeof(float));
  if (!buffer.is_ok()) return {};
  float* data = reinterpret_cast<float*>(buffer->data());
  // Each thread first touches its own part, so the pages sit on its NUMA node.
  ctx.pool().parallel_for(n, 4096, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) data[i] = 1.0f / static_cast<float>(1 + (i & 1023));
  });
  const auto dot = ctx.k().dot_f32;
  std::atomic<double> sink{0};  // keeps the reads alive without a data race between threads
  double best = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    ctx.pool().parallel_for(n, 4096, [&](int64_t b, int64_t e) {
      // dot(x, x) reads one stream: the second load of each element hits L1.
      sink.fetch_add(dot(data + b, data + b, e - b), std::memory_order_relaxed);
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, static_cast<double>(n) * sizeof(float) / s / 1e9);
  }
  return {best, static_cast<size_t>(n) * sizeof(float)};
}

}  // namespace coreinfer::ops
