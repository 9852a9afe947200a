// What every op needs to run: the kernel table, the thread pool, and per-thread scratch memory
// that is reused from call to call (no allocation on the hot path once warmed up).
#pragma once

#include <vector>

#include "core/aligned_buffer.h"
#include "core/thread_pool.h"
#include "kernels/kernel_table.h"

namespace coreinfer::ops {

class OpContext {
 public:
  OpContext(ThreadPool& pool, const kernels::KernelTable& kernels)
      : pool_(pool), kernels_(kernels), scratch_(static_cast<size_t>(pool.size())) {}

  ThreadPool& pool() { return pool_; }
  const kernels::KernelTable& k() const { return kernels_; }
  int threads() const { return pool_.size(); }

  // Scratch of at least `floats` floats owned by thread `tid`; valid until that thread asks again.
  float* scratch(int tid, size_t floats) {
    AlignedBuffer& b = scratch_[static_cast<size_t>(tid)];
    if (b.size() < floats * sizeof(float)) b.resize(floats * sizeof(float));
    return b.as<float>();
  }
  // Scratch of at least `bytes` bytes for the calling thread's work before a parallel region
  // (the quantised activations of a matmul); valid until the next call.
  uint8_t* shared_scratch(size_t bytes) {
    if (shared_.size() < bytes) shared_.resize(bytes);
    return shared_.as<uint8_t>();
  }

 private:
  ThreadPool& pool_;
  const kernels::KernelTable& kernels_;
  std::vector<AlignedBuffer> scratch_;
  AlignedBuffer shared_;
};

}  // namespace coreinfer::ops
