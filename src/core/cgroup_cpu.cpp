#include "core/cgroup_cpu.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace coreinfer::cgroup {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The whole of s as a decimal integer.
bool parse_int(std::string_view s, int64_t* out) {
  s = trim(s);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

std::string read_small_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_directory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

// dir + path, then each ancestor up to dir itself: "/a/b" -> dir/a/b, dir/a, dir.
std::vector<std::string> self_and_ancestors(const std::string& dir, std::string_view path) {
  std::vector<std::string> out;
  std::string p(trim(path));
  while (!p.empty() && p.back() == '/') p.pop_back();
  while (!p.empty()) {
    out.push_back(dir + (p.front() == '/' ? "" : "/") + p);
    const size_t slash = p.rfind('/');
    p.resize(slash == std::string::npos ? 0 : slash);
  }
  out.push_back(dir);
  return out;
}

// The smallest non-zero of two quotas (0 = none).
int tighter(int a, int b) {
  if (a == 0) return b;
  if (b == 0) return a;
  return a < b ? a : b;
}

int v2_quota(const std::string& root, std::string_view path) {
  int q = 0;
  for (const std::string& dir : self_and_ancestors(root, path)) q = tighter(q, parse_cpu_max(read_small_file(dir + "/cpu.max")));
  return q;
}

int v1_quota(const std::string& mount, std::string_view path) {
  int q = 0;
  for (const std::string& dir : self_and_ancestors(mount, path)) {
    q = tighter(q, parse_cfs_quota(read_small_file(dir + "/cpu.cfs_quota_us"), read_small_file(dir + "/cpu.cfs_period_us")));
  }
  return q;
}

}  // namespace

int cpus_from_quota(int64_t quota, int64_t period) {
  if (quota <= 0 || period <= 0) return 0;
  const int64_t cpus = quota / period;
  if (cpus < 1) return 1;
  return cpus > (1 << 20) ? (1 << 20) : static_cast<int>(cpus);
}

int parse_cpu_max(std::string_view text) {
  text = trim(text);
  const size_t space = text.find(' ');
  const std::string_view quota = text.substr(0, space);
  if (quota == "max" || space == std::string_view::npos) return 0;
  int64_t q = 0, period = 0;
  if (!parse_int(quota, &q) || !parse_int(text.substr(space + 1), &period)) return 0;
  return cpus_from_quota(q, period);
}

int parse_cfs_quota(std::string_view quota_text, std::string_view period_text) {
  int64_t q = 0, period = 0;
  if (!parse_int(quota_text, &q) || !parse_int(period_text, &period)) return 0;
  return cpus_from_quota(q, period);
}

Membership parse_proc_self_cgroup(std::string_view text) {
  Membership m;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    // hierarchy-id:controller-list:path (the path may itself contain ':')
    const size_t c1 = line.find(':');
    const size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, c1);
    const std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
    const std::string_view path = trim(line.substr(c2 + 1));
    if (id == "0" && controllers.empty()) {
      m.v2 = true;
      m.v2_path = std::string(path);
      continue;
    }
    size_t start = 0;
    while (start <= controllers.size()) {
      size_t comma = controllers.find(',', start);
      if (comma == std::string_view::npos) comma = controllers.size();
      if (controllers.substr(start, comma - start) == "cpu") {
        m.v1_cpu = true;
        m.v1_controllers = std::string(controllers);
        m.v1_path = std::string(path);
      }
      start = comma + 1;
    }
  }
  return m;
}

int quota_cpus(const Membership& membership, const std::string& cgroup_root) {
  if (membership.v1_cpu) {
    // The mount is named after the controller list ("cpu,cpuacct"), often with a "cpu" link.
    for (const std::string& mount : {cgroup_root + "/" + membership.v1_controllers, cgroup_root + "/cpu"}) {
      if (is_directory(mount)) return v1_quota(mount, membership.v1_path);
    }
    return 0;
  }
  if (membership.v2) return v2_quota(cgroup_root, membership.v2_path);
  return 0;
}

int detect_quota_cpus() {
  return quota_cpus(parse_proc_self_cgroup(read_small_file("/proc/self/cgroup")), "/sys/fs/cgroup");
}

}  // namespace coreinfer::cgroup
