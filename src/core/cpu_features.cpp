#include "core/cpu_features.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#endif

namespace coreinfer {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

// The value of the first "key<spaces or tabs>: value" line of /proc/cpuinfo text with this key.
std::string_view cpuinfo_value(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && trim(line.substr(0, colon)) == key) return trim(line.substr(colon + 1));
  }
  return {};
}

std::string read_text_file(const char* path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

#if defined(__x86_64__)

struct CpuidRegs {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

CpuidRegs cpuid(uint32_t leaf, uint32_t subleaf) {
  CpuidRegs r;
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  return r;
}

bool bit(uint32_t value, int index) { return ((value >> index) & 1u) != 0; }

// XCR0 without needing -mxsave for the whole file.
uint64_t read_xcr0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

// XCR0 state components.
constexpr uint64_t kXcr0SseAvx = (1u << 1) | (1u << 2);
constexpr uint64_t kXcr0Avx512 = (1u << 5) | (1u << 6) | (1u << 7);  // opmask, ZMM0-15 high, ZMM16-31
constexpr uint64_t kXcr0Amx = (1u << 17) | (1u << 18);               // tile config, tile data

void detect_x86(CpuFeatures& f) {
  const uint32_t max_leaf = cpuid(0, 0).eax;
  if (max_leaf < 1) return;
  const CpuidRegs l1 = cpuid(1, 0);
  const bool osxsave = bit(l1.ecx, 27);
  const uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  f.os_ymm = osxsave && bit(l1.ecx, 28) && (xcr0 & kXcr0SseAvx) == kXcr0SseAvx;
  f.os_zmm = f.os_ymm && (xcr0 & kXcr0Avx512) == kXcr0Avx512;
  f.os_amx = osxsave && (xcr0 & kXcr0Amx) == kXcr0Amx;
  f.fma = f.os_ymm && bit(l1.ecx, 12);
  f.f16c = f.os_ymm && bit(l1.ecx, 29);
  if (max_leaf < 7) return;

  const CpuidRegs l7 = cpuid(7, 0);
  f.avx2 = f.os_ymm && bit(l7.ebx, 5);
  f.avx512f = f.os_zmm && bit(l7.ebx, 16);
  f.avx512dq = f.os_zmm && bit(l7.ebx, 17);
  f.avx512bw = f.os_zmm && bit(l7.ebx, 30);
  f.avx512vl = f.os_zmm && bit(l7.ebx, 31);
  f.avx512_vnni = f.os_zmm && bit(l7.ecx, 11);
  f.amx_bf16 = f.os_amx && bit(l7.edx, 22);
  f.amx_tile = f.os_amx && bit(l7.edx, 24);
  f.amx_int8 = f.os_amx && bit(l7.edx, 25);
  if (l7.eax >= 1) {  // sub-leaf 1 exists
    const CpuidRegs l7s1 = cpuid(7, 1);
    f.avx_vnni = f.os_ymm && bit(l7s1.eax, 4);
    f.avx512_bf16 = f.os_zmm && bit(l7s1.eax, 5);
  }
}

// The processor brand string of CPUID leaves 0x80000002..4, a fallback for /proc/cpuinfo.
std::string cpuid_brand_string() {
  if (cpuid(0x80000000u, 0).eax < 0x80000004u) return {};
  char brand[49] = {};
  for (uint32_t i = 0; i < 3; ++i) {
    const CpuidRegs r = cpuid(0x80000002u + i, 0);
    const uint32_t words[4] = {r.eax, r.ebx, r.ecx, r.edx};
    for (int w = 0; w < 4; ++w)
      for (int b = 0; b < 4; ++b) brand[i * 16 + w * 4 + b] = static_cast<char>((words[w] >> (8 * b)) & 0xff);
  }
  return std::string(trim(brand));
}

#elif defined(__aarch64__)

// Older kernel headers lack the newer bits; the values are the kernel ABI.
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1UL << 1)
#endif
#ifndef HWCAP_FPHP
#define HWCAP_FPHP (1UL << 9)
#endif
#ifndef HWCAP_ASIMDHP
#define HWCAP_ASIMDHP (1UL << 10)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif
#ifndef HWCAP_SVE
#define HWCAP_SVE (1UL << 22)
#endif
#ifndef HWCAP2_SVE2
#define HWCAP2_SVE2 (1UL << 1)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1UL << 13)
#endif
#ifndef HWCAP2_BF16
#define HWCAP2_BF16 (1UL << 14)
#endif
#ifndef AT_HWCAP2
#define AT_HWCAP2 26
#endif
#ifndef PR_SVE_GET_VL
#define PR_SVE_GET_VL 51
#endif
#ifndef PR_SVE_VL_LEN_MASK
#define PR_SVE_VL_LEN_MASK 0xffff
#endif

void detect_arm(CpuFeatures& f) {
  const unsigned long hw = getauxval(AT_HWCAP);
  const unsigned long hw2 = getauxval(AT_HWCAP2);
  f.asimd = (hw & HWCAP_ASIMD) != 0;
  f.fphp = (hw & HWCAP_FPHP) != 0;
  f.asimdhp = (hw & HWCAP_ASIMDHP) != 0;
  f.asimddp = (hw & HWCAP_ASIMDDP) != 0;
  f.sve = (hw & HWCAP_SVE) != 0;
  f.sve2 = (hw2 & HWCAP2_SVE2) != 0;
  f.i8mm = (hw2 & HWCAP2_I8MM) != 0;
  f.bf16 = (hw2 & HWCAP2_BF16) != 0;
  if (f.sve) {
    const int vl = prctl(PR_SVE_GET_VL, 0, 0, 0, 0);
    if (vl > 0) f.sve_vector_bytes = vl & PR_SVE_VL_LEN_MASK;
  }
}

#endif

using FeatureList = std::vector<std::pair<const char*, bool>>;

FeatureList listed_features(const CpuFeatures& f) {
#if defined(__x86_64__)
  return {{"os_ymm", f.os_ymm},           {"os_zmm", f.os_zmm},       {"os_amx", f.os_amx},
          {"avx2", f.avx2},               {"fma", f.fma},             {"f16c", f.f16c},
          {"avx512f", f.avx512f},         {"avx512bw", f.avx512bw},   {"avx512vl", f.avx512vl},
          {"avx512dq", f.avx512dq},       {"avx512_vnni", f.avx512_vnni}, {"avx512_bf16", f.avx512_bf16},
          {"avx_vnni", f.avx_vnni},       {"amx_tile", f.amx_tile},   {"amx_int8", f.amx_int8},
          {"amx_bf16", f.amx_bf16}};
#elif defined(__aarch64__)
  return {{"asimd", f.asimd}, {"asimddp", f.asimddp}, {"fphp", f.fphp}, {"asimdhp", f.asimdhp},
          {"i8mm", f.i8mm},   {"bf16", f.bf16},       {"sve", f.sve},   {"sve2", f.sve2}};
#else
  return {};
#endif
}

}  // namespace

std::string parse_cpu_model_name(std::string_view cpuinfo_text) {
  const std::string_view name = cpuinfo_value(cpuinfo_text, "model name");
  if (!name.empty()) return std::string(name);
  const std::string_view implementer = cpuinfo_value(cpuinfo_text, "CPU implementer");
  const std::string_view part = cpuinfo_value(cpuinfo_text, "CPU part");
  if (!implementer.empty() && !part.empty())
    return "implementer " + std::string(implementer) + " part " + std::string(part);
  return {};
}

CpuFeatures detect_cpu_features() {
  CpuFeatures f;
#if defined(__x86_64__)
  detect_x86(f);
#elif defined(__aarch64__)
  detect_arm(f);
#endif
  f.model_name = parse_cpu_model_name(read_text_file("/proc/cpuinfo"));
#if defined(__x86_64__)
  if (f.model_name.empty()) f.model_name = cpuid_brand_string();
#endif
  if (f.model_name.empty()) f.model_name = "unknown";
  return f;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect_cpu_features();
  return features;
}

std::string describe_cpu_features(const CpuFeatures& f) {
  std::string out = "model: " + f.model_name + "\n";
  for (const auto& [name, present] : listed_features(f)) {
    out += name;
    out += present ? ": yes\n" : ": no\n";
  }
  if (f.sve) out += "sve_vector_bits: " + std::to_string(f.sve_vector_bytes * 8) + "\n";
  return out;
}

void print_cpu_features(std::FILE* out) {
  const std::string text = describe_cpu_features(cpu_features());
  std::fwrite(text.data(), 1, text.size(), out);
}

}  // namespace coreinfer
