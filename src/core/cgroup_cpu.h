// The CPU quota of this process's cgroup (v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us).
// Every parser takes text or a root path, so tests can feed it made-up files.
// A result of 0 means "no quota" (unlimited, missing or unreadable files).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coreinfer::cgroup {

// floor(quota / period), at least 1; 0 if quota <= 0 or period <= 0.
int cpus_from_quota(int64_t quota, int64_t period);

// cgroup v2 cpu.max: "max 100000" -> 0, "200000 100000" -> 2, "150000 100000" -> 1.
int parse_cpu_max(std::string_view text);
// cgroup v1: cpu.cfs_quota_us ("-1" = none) and cpu.cfs_period_us.
int parse_cfs_quota(std::string_view quota_text, std::string_view period_text);

// What /proc/self/cgroup says about the CPU controller.
struct Membership {
  bool v1_cpu = false;          // a v1 hierarchy has the "cpu" controller
  std::string v1_controllers;   // e.g. "cpu,cpuacct" (the mount is usually named after it)
  std::string v1_path;          // the cgroup path in that hierarchy, e.g. "/docker/abc"
  bool v2 = false;              // a "0::<path>" line
  std::string v2_path;
};
Membership parse_proc_self_cgroup(std::string_view text);

// The tightest quota of the process's cgroup and its ancestors, reading the files under
// cgroup_root (normally "/sys/fs/cgroup"). The v1 cpu controller wins when it is mounted.
int quota_cpus(const Membership& membership, const std::string& cgroup_root);

// quota_cpus() for this process.
int detect_quota_cpus();

}  // namespace coreinfer::cgroup
