#include "core/thread_pool.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

// Counts every allocation in this test binary, to check that run() allocates nothing.
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace coreinfer {
namespace {

ThreadPool make_pool(int threads) {
  ThreadPoolOptions options;
  options.threads = threads;
  return ThreadPool(options);
}

const int kThreadCounts[] = {1, 2, 3, 4, 5, 8};

TEST(ThreadPool, DefaultSizeIsTheCpuBudget) {
  ThreadPool pool;
  EXPECT_EQ(pool.size(), detect_cpu_budget().usable());
}

TEST(ThreadPool, RunCallsEveryThreadIndexOnce) {
  for (int threads : kThreadCounts) {
    ThreadPoolOptions options;
    options.threads = threads;
    ThreadPool pool(options);
    ASSERT_EQ(pool.size(), threads);
    std::vector<std::atomic<int>> calls(threads);
    std::atomic<int> wrong_n{0};
    pool.run([&](int index, int n) {
      if (n != threads) wrong_n.fetch_add(1);
      calls[index].fetch_add(1);
    });
    EXPECT_EQ(wrong_n.load(), 0);
    for (int i = 0; i < threads; ++i) EXPECT_EQ(calls[i].load(), 1) << "threads " << threads << " index " << i;
  }
}

TEST(ThreadPool, CallerIsWorkerZero) {
  ThreadPoolOptions options;
  options.threads = 3;
  ThreadPool pool(options);
  std::thread::id worker0;
  pool.run([&](int index, int) {
    if (index == 0) worker0 = std::this_thread::get_id();
  });
  EXPECT_EQ(worker0, std::this_thread::get_id());
}

TEST(ThreadPool, ParallelForCoversEveryIndexOnceInGrainAlignedChunks) {
  const int64_t sizes[] = {0, 1, 2, 3, 7, 8, 63, 64, 65, 1000, 1001, 4099};
  const int64_t grains[] = {0, 1, 2, 3, 7, 16, 64, 5000};
  for (int threads : kThreadCounts) {
    ThreadPoolOptions options;
    options.threads = threads;
    ThreadPool pool(options);
    for (int64_t n : sizes) {
      for (int64_t grain : grains) {
        std::vector<std::atomic<int>> hits(n);
        std::atomic<int> bad_chunks{0};
        const int64_t g = grain < 1 ? 1 : grain;
        pool.parallel_for(n, grain, [&](int64_t begin, int64_t end) {
          if (begin >= end || begin % g != 0 || (end != n && end % g != 0)) bad_chunks.fetch_add(1);
          for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
        });
        EXPECT_EQ(bad_chunks.load(), 0) << "threads " << threads << " n " << n << " grain " << grain;
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_EQ(hits[i].load(), 1) << "threads " << threads << " n " << n << " grain " << grain << " i " << i;
        }
      }
    }
  }
}

TEST(ThreadPool, ParallelForUsesEveryThreadWhenThereIsEnoughWork) {
  ThreadPool pool = make_pool(4);
  std::atomic<int> chunks{0};
  pool.parallel_for(400, 10, [&](int64_t, int64_t) { chunks.fetch_add(1); });
  EXPECT_EQ(chunks.load(), 4);
}

TEST(ThreadPool, ExceptionsReachTheCaller) {
  for (int threads : {2, 3, 8}) {
    ThreadPool pool = make_pool(threads);
    for (int thrower = 0; thrower < threads; ++thrower) {
      std::atomic<int> ran{0};
      try {
        pool.run([&](int index, int) {
          ran.fetch_add(1);
          if (index == thrower) throw std::runtime_error("boom " + std::to_string(index));
        });
        ADD_FAILURE() << "no exception";
      } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "boom " + std::to_string(thrower));
      }
      EXPECT_EQ(ran.load(), threads);  // the others finished before the rethrow
    }
    // Every thread throwing: one of them arrives, and the pool still works afterwards.
    EXPECT_THROW(pool.run([](int, int) { throw std::logic_error("all"); }), std::logic_error);
    std::atomic<int> ran{0};
    pool.run([&](int, int) { ran.fetch_add(1); });
    EXPECT_EQ(ran.load(), threads);
  }
}

TEST(ThreadPool, ParallelForPropagatesExceptions) {
  ThreadPool pool = make_pool(3);
  EXPECT_THROW(pool.parallel_for(100, 1,
                                 [](int64_t begin, int64_t end) {
                                   if (begin <= 50 && 50 < end) throw std::out_of_range("50");
                                 }),
               std::out_of_range);
}

TEST(ThreadPool, ManyBackToBackRuns) {
  // More threads than CPUs means a futex sleep and wake per run: fewer runs there.
  const int cpus = static_cast<int>(detect_cpu_budget().cpus.size());
  for (int threads : {2, 4, 8}) {
    ThreadPool pool = make_pool(threads);
    std::vector<int64_t> per_thread(threads * 16, 0);  // one cache line each
    const int kRuns = threads <= cpus ? 20000 : 300;
    for (int r = 0; r < kRuns; ++r) pool.run([&](int index, int) { per_thread[index * 16] += 1; });
    for (int i = 0; i < threads; ++i) EXPECT_EQ(per_thread[i * 16], kRuns) << "threads " << threads;
  }
}

TEST(ThreadPool, WakesSleepingWorkers) {
  ThreadPool pool = make_pool(3);
  for (int r = 0; r < 5; ++r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));  // past the spin: workers sleep
    std::atomic<int> ran{0};
    pool.run([&](int, int) { ran.fetch_add(1); });
    EXPECT_EQ(ran.load(), 3);
  }
}

TEST(ThreadPool, SlowCallerOrSlowWorker) {
  ThreadPool pool = make_pool(3);
  for (int slow = 0; slow < 3; ++slow) {
    std::atomic<int> ran{0};
    pool.run([&](int index, int) {
      if (index == slow) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      ran.fetch_add(1);
    });
    EXPECT_EQ(ran.load(), 3);
  }
}

TEST(ThreadPool, NestedRunExecutesInline) {
  ThreadPool pool = make_pool(3);
  std::atomic<int> inner_calls{0};
  pool.run([&](int, int) {
    pool.run([&](int index, int n) {
      EXPECT_EQ(index, 0);
      EXPECT_EQ(n, 1);
      inner_calls.fetch_add(1);
    });
  });
  EXPECT_EQ(inner_calls.load(), 3);
}

TEST(ThreadPool, RunsFromTwoThreadsTakeTurns) {
  ThreadPool pool = make_pool(2);
  std::atomic<int64_t> total{0};
  auto submit = [&] {
    for (int r = 0; r < 2000; ++r) pool.run([&](int, int) { total.fetch_add(1); });
  };
  std::thread other(submit);
  submit();
  other.join();
  EXPECT_EQ(total.load(), 2 * 2000 * 2);
}

TEST(ThreadPool, RunAndParallelForDoNotAllocate) {
  ThreadPool pool = make_pool(3);
  std::atomic<int64_t> sum{0};
  const std::function<void(int, int)> job = [&](int index, int) { sum.fetch_add(index); };
  const std::function<void(int64_t, int64_t)> chunk = [&](int64_t b, int64_t e) { sum.fetch_add(e - b); };
  pool.run(job);  // warm up
  const long before = g_allocations.load();
  for (int r = 0; r < 1000; ++r) {
    pool.run(job);
    pool.parallel_for(1000, 8, chunk);
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(sum.load(), (0 + 1 + 2) * 1001 + 1000 * 1000);
}

TEST(ThreadPool, PinsWorkersToTheGivenCpus) {
  const CpuBudget budget = detect_cpu_budget();
  ASSERT_FALSE(budget.cpus.empty());
  const int cpu = budget.cpus.back();
  ThreadPoolOptions options;
  options.threads = 3;
  options.cpus = {cpu};
  ThreadPool pool(options);
  std::atomic<int> elsewhere{0};
  pool.run([&](int index, int) {
    if (index > 0 && sched_getcpu() != cpu) elsewhere.fetch_add(1);
  });
  EXPECT_EQ(elsewhere.load(), 0);
}

TEST(ThreadPool, PinFailureIsNotAnError) {
  ThreadPoolOptions options;
  options.threads = 2;
  options.cpus = {100000};  // no such CPU
  ThreadPool pool(options);
  std::atomic<int> ran{0};
  pool.run([&](int, int) { ran.fetch_add(1); });
  EXPECT_EQ(ran.load(), 2);
}

}  // namespace
}  // namespace coreinfer
