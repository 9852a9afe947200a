#include "graph/buffer_pool.h"

#include <algorithm>

namespace coreinfer {

struct BufferPool::State {
  std::mutex mu;
  std::multimap<size_t, std::unique_ptr<AlignedBuffer>> free;  // by capacity
  size_t cached = 0;
  size_t allocations = 0;
};

BufferPool::BufferPool() : state_(std::make_shared<State>()) {}
BufferPool::~BufferPool() = default;

std::shared_ptr<AlignedBuffer> BufferPool::get(size_t bytes) {
  bytes = std::max<size_t>(bytes, 1);
  std::unique_ptr<AlignedBuffer> buf;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    auto it = state_->free.lower_bound(bytes);
    if (it != state_->free.end() && it->first <= 2 * bytes) {
      buf = std::move(it->second);
      state_->cached -= it->first;
      state_->free.erase(it);
    } else {
      ++state_->allocations;
    }
  }
  if (!buf) buf = std::make_unique<AlignedBuffer>(bytes);
  std::weak_ptr<State> weak = state_;
  return std::shared_ptr<AlignedBuffer>(buf.release(), [weak](AlignedBuffer* b) {
    if (auto s = weak.lock()) {
      std::lock_guard<std::mutex> lock(s->mu);
      s->cached += b->size();
      s->free.emplace(b->size(), std::unique_ptr<AlignedBuffer>(b));
      return;
    }
    delete b;
  });
}

size_t BufferPool::cached_bytes() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->cached;
}

size_t BufferPool::allocations() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->allocations;
}

}  // namespace coreinfer
