// The compute thread pool. Workers are pinned one per core of the pool's CPU set; the caller
// of run() works too, as worker 0. Idle workers sleep on a condition variable (after a short
// bounded spin), they never spin forever.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace coreinfer {

// CPUs this process may really use: the affinity mask, limited by the cgroup CPU quota
// (cpu.max on cgroup v2, cfs_quota/period on v1), never more than the affinity mask allows.
struct CpuBudget {
  std::vector<int> cpus;  // from sched_getaffinity
  int quota_cpus = 0;     // floor(quota / period), at least 1; 0 when there is no quota
  int usable() const;     // min(cpus.size(), quota_cpus when set), at least 1
};
CpuBudget detect_cpu_budget();

struct ThreadPoolOptions {
  int threads = 0;        // 0: CpuBudget::usable()
  std::vector<int> cpus;  // CPUs to pin to (worker i -> cpus[i % size]); empty: the affinity mask
  bool pin = true;
};

class ThreadPool {
 public:
  explicit ThreadPool(ThreadPoolOptions options = {});
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(thread_index, n_threads) once on each of the size() threads and waits for all.
  void run(const std::function<void(int thread_index, int n_threads)>& fn);

  // Splits [0, n) into contiguous chunks, one per thread, at multiples of `grain`
  // (except the last), and calls fn(begin, end) for each non-empty chunk.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& fn);

 private:
  struct State;
  int n_threads_ = 1;
  std::unique_ptr<State> state_;
};

}  // namespace coreinfer
