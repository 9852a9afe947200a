#include "core/cgroup_cpu.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/thread_pool.h"

namespace coreinfer {
namespace {

namespace fs = std::filesystem;

TEST(CgroupCpu, ParsesV2CpuMax) {
  EXPECT_EQ(cgroup::parse_cpu_max("max 100000\n"), 0);
  EXPECT_EQ(cgroup::parse_cpu_max("max"), 0);
  EXPECT_EQ(cgroup::parse_cpu_max("200000 100000\n"), 2);
  EXPECT_EQ(cgroup::parse_cpu_max("150000 100000"), 1);   // floor
  EXPECT_EQ(cgroup::parse_cpu_max("250000 100000"), 2);
  EXPECT_EQ(cgroup::parse_cpu_max("50000 100000"), 1);    // at least 1
  EXPECT_EQ(cgroup::parse_cpu_max("1000 1000000"), 1);
  EXPECT_EQ(cgroup::parse_cpu_max("1600000 50000"), 32);
  EXPECT_EQ(cgroup::parse_cpu_max(""), 0);
  EXPECT_EQ(cgroup::parse_cpu_max("garbage"), 0);
  EXPECT_EQ(cgroup::parse_cpu_max("100000"), 0);          // no period
  EXPECT_EQ(cgroup::parse_cpu_max("100000 0"), 0);
  EXPECT_EQ(cgroup::parse_cpu_max("-5 100000"), 0);
  EXPECT_EQ(cgroup::parse_cpu_max("12x 100000"), 0);
}

TEST(CgroupCpu, ParsesV1CfsQuota) {
  EXPECT_EQ(cgroup::parse_cfs_quota("-1\n", "100000\n"), 0);
  EXPECT_EQ(cgroup::parse_cfs_quota("400000\n", "100000\n"), 4);
  EXPECT_EQ(cgroup::parse_cfs_quota("50000", "100000"), 1);
  EXPECT_EQ(cgroup::parse_cfs_quota("350000", "100000"), 3);
  EXPECT_EQ(cgroup::parse_cfs_quota("", "100000"), 0);  // missing file
  EXPECT_EQ(cgroup::parse_cfs_quota("100000", ""), 0);
}

TEST(CgroupCpu, ParsesProcSelfCgroup) {
  const cgroup::Membership v2 = cgroup::parse_proc_self_cgroup("0::/user.slice/app.scope\n");
  EXPECT_TRUE(v2.v2);
  EXPECT_EQ(v2.v2_path, "/user.slice/app.scope");
  EXPECT_FALSE(v2.v1_cpu);

  const cgroup::Membership v1 = cgroup::parse_proc_self_cgroup(
      "12:pids:/docker/abc\n4:cpu,cpuacct:/docker/abc\n3:cpuset:/docker/abc\n1:name=systemd:/docker/abc\n0::/\n");
  EXPECT_TRUE(v1.v1_cpu);
  EXPECT_EQ(v1.v1_controllers, "cpu,cpuacct");
  EXPECT_EQ(v1.v1_path, "/docker/abc");
  EXPECT_TRUE(v1.v2);

  // "cpuacct" or "cpuset" alone is not the cpu controller; a path may contain ':'.
  const cgroup::Membership other = cgroup::parse_proc_self_cgroup("2:cpuacct:/a\n3:cpuset:/b\n0::/odd:name\n");
  EXPECT_FALSE(other.v1_cpu);
  EXPECT_EQ(other.v2_path, "/odd:name");

  EXPECT_FALSE(cgroup::parse_proc_self_cgroup("").v2);
}

// A made-up /sys/fs/cgroup in a temporary folder.
class FakeCgroupRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("coreinfer-cgroup-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& relative, const std::string& text) {
    const fs::path p = root_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::string root() const { return root_.string(); }

 private:
  fs::path root_;
};

TEST_F(FakeCgroupRoot, V2TakesTheTightestAncestor) {
  write("cpu.max", "max 100000\n");  // not there on a real root, harmless
  write("kubepods/cpu.max", "300000 100000\n");
  write("kubepods/pod1/cpu.max", "max 100000\n");
  cgroup::Membership m;
  m.v2 = true;
  m.v2_path = "/kubepods/pod1";
  EXPECT_EQ(cgroup::quota_cpus(m, root()), 3);
  write("kubepods/pod1/cpu.max", "150000 100000\n");
  EXPECT_EQ(cgroup::quota_cpus(m, root()), 1);
}

TEST_F(FakeCgroupRoot, V2WithoutFilesMeansNoQuota) {
  cgroup::Membership m;
  m.v2 = true;
  m.v2_path = "/";
  EXPECT_EQ(cgroup::quota_cpus(m, root()), 0);
  m.v2_path = "/does/not/exist";
  EXPECT_EQ(cgroup::quota_cpus(m, root()), 0);
}

TEST_F(FakeCgroupRoot, V1ReadsTheCpuControllerMount) {
  write("cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "200000\n");
  write("cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  write("cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
  write("cpu,cpuacct/cpu.cfs_period_us", "100000\n");
  const cgroup::Membership m = cgroup::parse_proc_self_cgroup("4:cpu,cpuacct:/docker/abc\n0::/\n");
  EXPECT_EQ(cgroup::quota_cpus(m, root()), 2);
}

TEST_F(FakeCgroupRoot, V1InAContainerFallsBackToTheMountRoot) {
  // Without a cgroup namespace the path names the host's cgroup, which is not visible inside.
  write("cpu/cpu.cfs_quota_us", "400000\n");
  write("cpu/cpu.cfs_period_us", "100000\n");
  const cgroup::Membership m = cgroup::parse_proc_self_cgroup("3:cpu:/docker/0123456789\n");
  EXPECT_EQ(cgroup::quota_cpus(m, root()), 4);
}

TEST_F(FakeCgroupRoot, V1UnlimitedOrMissing) {
  const cgroup::Membership m = cgroup::parse_proc_self_cgroup("3:cpu:/\n");
  EXPECT_EQ(cgroup::quota_cpus(m, root()), 0);  // no mount at all
  write("cpu/cpu.cfs_quota_us", "-1\n");
  write("cpu/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(cgroup::quota_cpus(m, root()), 0);
}

TEST(CpuBudget, UsableIsTheSmallerLimitAndAtLeastOne) {
  CpuBudget b;
  b.cpus = {0, 1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(b.usable(), 8);
  b.quota_cpus = 2;
  EXPECT_EQ(b.usable(), 2);
  b.cpus = {0, 1};
  b.quota_cpus = 4;
  EXPECT_EQ(b.usable(), 2);
  b.cpus.clear();
  b.quota_cpus = 0;
  EXPECT_EQ(b.usable(), 1);
}

TEST(CpuBudget, DetectsThisProcess) {
  const CpuBudget b = detect_cpu_budget();
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_EQ(static_cast<int>(b.cpus.size()), CPU_COUNT(&set));
  for (int cpu : b.cpus) EXPECT_TRUE(CPU_ISSET(cpu, &set)) << cpu;
  EXPECT_GE(b.usable(), 1);
  EXPECT_LE(b.usable(), static_cast<int>(b.cpus.size()));
  EXPECT_GE(b.quota_cpus, 0);
}

}  // namespace
}  // namespace coreinfer
