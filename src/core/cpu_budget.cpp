// detect_cpu_budget (declared in thread_pool.h): the affinity mask and the cgroup quota.
#include <sched.h>

#include <cerrno>
#include <thread>

#include "core/cgroup_cpu.h"
#include "core/thread_pool.h"

namespace coreinfer {
namespace {

constexpr int kMaxCpuSetSize = 1 << 16;

// The CPUs of this thread's affinity mask, growing the set for machines past CPU_SETSIZE.
std::vector<int> affinity_cpus() {
  for (int set_cpus = CPU_SETSIZE; set_cpus <= kMaxCpuSetSize; set_cpus *= 2) {
    cpu_set_t* set = CPU_ALLOC(set_cpus);
    if (set == nullptr) break;
    const size_t bytes = CPU_ALLOC_SIZE(set_cpus);
    CPU_ZERO_S(bytes, set);
    if (sched_getaffinity(0, bytes, set) == 0) {
      std::vector<int> cpus;
      for (int cpu = 0; cpu < set_cpus; ++cpu)
        if (CPU_ISSET_S(cpu, bytes, set)) cpus.push_back(cpu);
      CPU_FREE(set);
      return cpus;
    }
    const int err = errno;
    CPU_FREE(set);
    if (err != EINVAL) break;
  }
  std::vector<int> cpus;
  const unsigned n = std::thread::hardware_concurrency();
  for (unsigned cpu = 0; cpu < (n == 0 ? 1 : n); ++cpu) cpus.push_back(static_cast<int>(cpu));
  return cpus;
}

}  // namespace

int CpuBudget::usable() const {
  int n = static_cast<int>(cpus.size());
  if (quota_cpus > 0 && quota_cpus < n) n = quota_cpus;
  return n < 1 ? 1 : n;
}

CpuBudget detect_cpu_budget() {
  CpuBudget budget;
  budget.cpus = affinity_cpus();
  budget.quota_cpus = cgroup::detect_quota_cpus();
  return budget;
}

}  // namespace coreinfer
