// Reuse of activation buffers across the steps and runs of a Session (the memory planner):
// a freed tensor's storage returns here and the next allocation of a similar size takes it,
// so steady-state runs neither call malloc for big tensors nor fault in fresh pages.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>

#include "core/aligned_buffer.h"

namespace coreinfer {

class BufferPool {
 public:
  BufferPool();
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A buffer of at least `bytes` (a free one of at most twice the size, or a new one). When the
  // last reference drops it comes back to the pool (or is freed if the pool is gone).
  std::shared_ptr<AlignedBuffer> get(size_t bytes);

  size_t cached_bytes() const;  // held by the pool, free
  size_t allocations() const;   // new buffers made so far (reuse keeps this flat)

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace coreinfer
