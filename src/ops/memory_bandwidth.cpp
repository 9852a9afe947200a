#include "ops/memory_bandwidth.h"

#include <algorithm>
#include <atomic>
#include <chrono>

#include "core/huge_page_buffer.h"

namespace coreinfer::ops {

struct BandwidthProbe::Buffer {
  HugePageBuffer memory;
  int64_t n = 0;  // floats
};

BandwidthProbe::BandwidthProbe(std::unique_ptr<Buffer> buffer) : buffer_(std::move(buffer)) {}
BandwidthProbe::BandwidthProbe(BandwidthProbe&&) noexcept = default;
BandwidthProbe& BandwidthProbe::operator=(BandwidthProbe&&) noexcept = default;
BandwidthProbe::~BandwidthProbe() = default;

Result<BandwidthProbe> BandwidthProbe::create(OpContext& ctx, size_t bytes) {
  const int64_t n = static_cast<int64_t>(bytes / sizeof(float));
  // The same kind of memory the weights live in (see LlamaModel's WeightPlacement).
  CI_ASSIGN_OR_RETURN(HugePageBuffer memory, HugePageBuffer::allocate(static_cast<size_t>(n) * sizeof(float)));
  float* data = reinterpret_cast<float*>(memory.data());
  // Each thread first touches its own part, so the pages sit on its NUMA node.
  ctx.pool().parallel_for(n, 4096, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) data[i] = 1.0f / static_cast<float>(1 + (i & 1023));
  });
  auto buffer = std::make_unique<Buffer>();
  buffer->memory = std::move(memory);
  buffer->n = n;
  return BandwidthProbe(std::move(buffer));
}

size_t BandwidthProbe::bytes() const { return static_cast<size_t>(buffer_->n) * sizeof(float); }

double BandwidthProbe::measure(OpContext& ctx, int repeats) const {
  const int64_t n = buffer_->n;
  const float* data = reinterpret_cast<const float*>(buffer_->memory.data());
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
  return best;
}

}  // namespace coreinfer::ops
