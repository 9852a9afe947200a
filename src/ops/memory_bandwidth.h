// Measures the machine's read bandwidth with the pool's threads: the bound that LLM decoding
// (which streams every weight once per token) is measured against.
#pragma once

#include <cstddef>

#include "ops/op_context.h"

namespace coreinfer::ops {

struct BandwidthResult {
  double read_gbs = 0;  // best of the repeats, 1e9 bytes per second
  size_t bytes = 0;     // buffer size used
};

// Reads a buffer far larger than the caches (`bytes`), split across the pool's threads, a few
// times; returns the best rate.
BandwidthResult measure_read_bandwidth(OpContext& ctx, size_t bytes = size_t{512} << 20, int repeats = 5);

}  // namespace coreinfer::ops
