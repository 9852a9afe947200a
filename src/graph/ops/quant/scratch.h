// Scratch memory for one kernel call: from the session's buffer pool when there is one (the same
// buffers come back run after run, so no allocation or page fault after the first run), else
// from the heap. Uninitialised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/aligned_buffer.h"
#include "graph/buffer_pool.h"

namespace coreinfer::quant {

class Scratch {
 public:
  Scratch(BufferPool* pool, size_t bytes) {
    if (pool != nullptr) {
      pooled_ = pool->get(bytes);
      data_ = static_cast<uint8_t*>(pooled_->data());
    } else {
      heap_.reset(new uint8_t[bytes]);
      data_ = heap_.get();
    }
  }
  uint8_t* data() { return data_; }

 private:
  std::shared_ptr<AlignedBuffer> pooled_;
  std::unique_ptr<uint8_t[]> heap_;
  uint8_t* data_ = nullptr;
};

// n rounded up to a multiple of 64 (for carving one scratch into aligned parts).
constexpr size_t round_up_64(size_t n) { return (n + 63) / 64 * 64; }

}  // namespace coreinfer::quant
