// Measures the machine's read bandwidth with the pool's threads: the bound that LLM decoding
// (which streams every weight once per token) is measured against.
#pragma once

#include <cstddef>
#include <memory>

#include "core/status.h"
#include "ops/op_context.h"

namespace coreinfer::ops {

// A buffer far larger than the caches, in the kind of memory the weights live in, allocated and
// touched once; measure() reads it across the pool's threads. A benchmark samples it between
// its own repeats, so each rate is compared with the bandwidth of the same moment (a shared
// machine's bandwidth drifts by 10-20% over seconds).
class BandwidthProbe {
 public:
  static Result<BandwidthProbe> create(OpContext& ctx, size_t bytes = size_t{512} << 20);
  BandwidthProbe(BandwidthProbe&&) noexcept;
  BandwidthProbe& operator=(BandwidthProbe&&) noexcept;
  ~BandwidthProbe();

  // Best of `repeats` reads of the whole buffer, in 1e9 bytes per second.
  double measure(OpContext& ctx, int repeats = 3) const;
  size_t bytes() const;

 private:
  struct Buffer;
  explicit BandwidthProbe(std::unique_ptr<Buffer> buffer);
  std::unique_ptr<Buffer> buffer_;
};

}  // namespace coreinfer::ops
