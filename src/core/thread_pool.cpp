#include "core/thread_pool.h"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <utility>
#include <thread>

#include "core/log.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace coreinfer {
namespace {

// How long an idle thread polls before it sleeps. A decode step calls run() many times per
// layer with a few microseconds of serial work in between, so workers that poll this long
// rarely sleep while a model runs, and stop burning CPU soon after it stops.
constexpr auto kSpinTime = std::chrono::microseconds(50);
// The first polls only pause; after them each poll also yields, in case the thread we wait
// for shares our CPU (the caller of run() is not pinned; the machine may be oversubscribed).
constexpr int kPausePolls = 256;

inline void cpu_relax() {
#if defined(__x86_64__)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

// Polls `done` for up to kSpinTime (not at all if spin is false); true once it holds.
template <typename Done>
bool spin_until(bool spin, Done done) {
  if (!spin) return done();
  for (int i = 0; i < kPausePolls; ++i) {
    if (done()) return true;
    cpu_relax();
  }
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (;;) {
    if (done()) return true;
    std::this_thread::yield();
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
}

void pin_current_thread(int cpu) {
  cpu_set_t* set = CPU_ALLOC(cpu + 1);
  if (set == nullptr) return;
  const size_t bytes = CPU_ALLOC_SIZE(cpu + 1);
  CPU_ZERO_S(bytes, set);
  CPU_SET_S(cpu, bytes, set);
  const int err = pthread_setaffinity_np(pthread_self(), bytes, set);
  CPU_FREE(set);
  if (err != 0) log::debug("thread pool: cannot pin a worker to CPU " + std::to_string(cpu) + ": " + std::strerror(err));
}

}  // namespace

struct ThreadPool::State {
  using Job = std::function<void(int, int)>;

  int n_threads = 1;
  bool spin = true;  // off when the pool has more threads than usable CPUs

  // Written by the caller before it bumps `generation`; workers read it after seeing the bump.
  const Job* job = nullptr;

  // Separate cache lines: idle workers poll `generation`, finishing workers write `pending`.
  alignas(64) std::atomic<uint64_t> generation{0};
  alignas(64) std::atomic<int> pending{0};  // workers (not the caller) still running the job
  std::atomic<int> sleeping_workers{0};
  std::atomic<bool> caller_sleeping{false};
  std::atomic<bool> stopping{false};

  std::mutex mutex;  // guards the sleeps and wake-ups below
  std::condition_variable work_cv;
  std::condition_variable done_cv;

  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::exception_ptr error;  // the first exception of the current run

  std::mutex run_mutex;                       // one run() at a time
  std::atomic<std::thread::id> run_caller{};  // the thread inside run(), for nested calls
  std::vector<std::thread> workers;
  std::vector<std::thread::id> worker_ids;

  void run_share(int index) {
    try {
      (*job)(index, n_threads);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      failed.store(true, std::memory_order_relaxed);
    }
  }

  // Waits until the generation moves past `seen` (a new job, or the stop signal) and returns it.
  uint64_t wait_for_work(uint64_t seen) {
    const auto published = [&] { return generation.load(std::memory_order_acquire) != seen; };
    if (!spin_until(spin, published)) {
      std::unique_lock<std::mutex> lock(mutex);
      // seq_cst pairs with the caller's bump-then-check in publish(): one of the two sees the other.
      sleeping_workers.fetch_add(1, std::memory_order_seq_cst);
      work_cv.wait(lock, [&] { return generation.load(std::memory_order_seq_cst) != seen; });
      sleeping_workers.fetch_sub(1, std::memory_order_relaxed);
    }
    return generation.load(std::memory_order_acquire);
  }

  void worker_main(int index, int cpu) {
    if (cpu >= 0) pin_current_thread(cpu);
    uint64_t seen = 0;
    for (;;) {
      seen = wait_for_work(seen);
      if (stopping.load(std::memory_order_acquire)) return;
      run_share(index);
      if (pending.fetch_sub(1, std::memory_order_seq_cst) == 1 && caller_sleeping.load(std::memory_order_seq_cst)) {
        std::lock_guard<std::mutex> lock(mutex);
        done_cv.notify_one();
      }
    }
  }

  void publish() {
    generation.fetch_add(1, std::memory_order_seq_cst);
    if (sleeping_workers.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lock(mutex);
      work_cv.notify_all();
    }
  }

  void wait_for_workers() {
    const auto finished = [&] { return pending.load(std::memory_order_acquire) == 0; };
    if (spin_until(spin, finished)) return;
    caller_sleeping.store(true, std::memory_order_seq_cst);
    {
      std::unique_lock<std::mutex> lock(mutex);
      done_cv.wait(lock, [&] { return pending.load(std::memory_order_seq_cst) == 0; });
    }
    caller_sleeping.store(false, std::memory_order_relaxed);
  }

  bool is_worker(std::thread::id id) const {
    for (const std::thread::id& worker : worker_ids)
      if (worker == id) return true;
    return false;
  }

  void stop_and_join() {
    stopping.store(true, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(mutex);
      generation.fetch_add(1, std::memory_order_seq_cst);
      work_cv.notify_all();
    }
    for (std::thread& t : workers) t.join();
  }
};

ThreadPool::ThreadPool(ThreadPoolOptions options) : state_(std::make_unique<State>()) {
  const CpuBudget budget = detect_cpu_budget();
  n_threads_ = options.threads > 0 ? options.threads : budget.usable();
  const std::vector<int>& cpus = options.cpus.empty() ? budget.cpus : options.cpus;
  State& s = *state_;
  s.n_threads = n_threads_;
  s.spin = n_threads_ <= budget.usable();
  s.workers.reserve(n_threads_ - 1);
  // Worker 0 is the caller of run(), which keeps its own affinity.
  try {
    for (int i = 1; i < n_threads_; ++i) {
      const int cpu = options.pin && !cpus.empty() ? cpus[i % cpus.size()] : -1;
      s.workers.emplace_back([&s, i, cpu] { s.worker_main(i, cpu); });
    }
  } catch (...) {  // no thread left: stop the ones that started before rethrowing
    s.stop_and_join();
    throw;
  }
  for (const std::thread& t : s.workers) s.worker_ids.push_back(t.get_id());
}

ThreadPool::~ThreadPool() { state_->stop_and_join(); }

void ThreadPool::run(const std::function<void(int thread_index, int n_threads)>& fn) {
  if (n_threads_ == 1) {
    fn(0, 1);
    return;
  }
  State& s = *state_;
  // A job that calls run() again would wait for itself: such an inner job runs on its thread.
  const std::thread::id me = std::this_thread::get_id();
  if (s.run_caller.load(std::memory_order_relaxed) == me) {
    fn(0, 1);
    return;
  }
  std::unique_lock<std::mutex> run_lock(s.run_mutex, std::try_to_lock);
  if (!run_lock.owns_lock()) {
    if (s.is_worker(me)) {
      fn(0, 1);
      return;
    }
    run_lock.lock();  // another thread's run(): wait for it
  }
  s.run_caller.store(me, std::memory_order_relaxed);
  s.job = &fn;
  s.pending.store(n_threads_ - 1, std::memory_order_relaxed);
  s.publish();
  s.run_share(0);
  s.wait_for_workers();
  s.job = nullptr;
  s.run_caller.store(std::thread::id(), std::memory_order_relaxed);
  if (s.failed.load(std::memory_order_relaxed)) {
    std::exception_ptr error;
    {
      std::lock_guard<std::mutex> lock(s.error_mutex);
      error = std::exchange(s.error, nullptr);
      s.failed.store(false, std::memory_order_relaxed);
    }
    std::rethrow_exception(error);
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  const int64_t chunks = n / grain + (n % grain != 0 ? 1 : 0);
  if (n_threads_ == 1 || chunks == 1) {
    fn(0, n);
    return;
  }
  struct Split {
    int64_t n, grain, chunks;
    const std::function<void(int64_t, int64_t)>* fn;
  } split{n, grain, chunks, &fn};
  // Captures one reference, so the std::function stores it without allocating.
  run([&split](int t, int nt) {
    // floor(chunks * t / nt) without overflow
    const auto first_chunk = [&](int64_t i) {
      return split.chunks / nt * i + split.chunks % nt * i / nt;
    };
    const int64_t c0 = first_chunk(t), c1 = first_chunk(t + 1);
    if (c0 == c1) return;
    const int64_t begin = c0 * split.grain;
    const int64_t end = c1 == split.chunks ? split.n : c1 * split.grain;
    (*split.fn)(begin, end);
  });
}

}  // namespace coreinfer
