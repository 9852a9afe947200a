// Tasks handed out in order, `chunk` at a time, to whichever pool thread asks next. The pool's
// parallel_for gives each thread one fixed share, so a thread descheduled by other load holds the
// op up for its whole share; with run_claimed the threads that do run take the work.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "core/thread_pool.h"
#include "graph/op_kernel.h"

namespace coreinfer::quant {

class TaskQueue {
 public:
  TaskQueue(int64_t n, int64_t chunk) : n_(n), chunk_(std::max<int64_t>(1, chunk)) {}

  // The next tasks [begin, end); false when none are left.
  bool claim(int64_t& begin, int64_t& end) {
    begin = next_.fetch_add(chunk_, std::memory_order_relaxed);
    if (begin >= n_) return false;
    end = std::min(n_, begin + chunk_);
    return true;
  }

 private:
  std::atomic<int64_t> next_{0};
  int64_t n_, chunk_;
};

// per_thread(queue) once on each thread that can get work (inline without a pool); it claims
// tasks from the queue until claim() returns false.
template <typename PerThread>
void run_claimed(const OpRunContext& ctx, int64_t n, int64_t chunk, PerThread&& per_thread) {
  TaskQueue queue(n, chunk);
  const int64_t threads = ctx.pool != nullptr ? ctx.pool->size() : 1;
  const int64_t workers = std::min(threads, (n + std::max<int64_t>(1, chunk) - 1) / std::max<int64_t>(1, chunk));
  ctx.parallel_for(workers, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) per_thread(queue);
  });
}

}  // namespace coreinfer::quant
