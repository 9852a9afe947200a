// What the CPU can do, detected once per process (the read-only feature table, one of the two
// globals the guide allows). Every flag means "usable": the hardware has it AND the operating
// system saves the register state it needs (XCR0 on x86-64, HWCAP on Arm).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace coreinfer {

struct CpuFeatures {
  // x86-64
  bool os_ymm = false;  // XCR0: the OS saves SSE + AVX state
  bool os_zmm = false;  // XCR0: the OS saves opmask + ZMM state
  bool os_amx = false;  // XCR0: the OS saves tile config + data (Linux still needs an arch_prctl)
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512_vnni = false, avx512_bf16 = false, avx_vnni = false;
  bool amx_tile = false, amx_int8 = false, amx_bf16 = false;

  // aarch64
  bool asimd = false;
  bool asimddp = false;             // sdot / udot
  bool fphp = false, asimdhp = false;  // fp16 scalar / vector arithmetic
  bool i8mm = false, bf16 = false;
  bool sve = false, sve2 = false;
  int sve_vector_bytes = 0;  // 0 without SVE

  std::string model_name;  // e.g. "AMD EPYC 9654 96-Core Processor"; "unknown" if not found
};

// The table for this process, detected on first use (thread-safe).
const CpuFeatures& cpu_features();
// Detects afresh (tests compare it with cpu_features()).
CpuFeatures detect_cpu_features();

// The "model name" of the first processor in /proc/cpuinfo text ("" if there is none); on Arm,
// where that line is often missing, "implementer 0x41 part 0xd0c" from the id fields.
std::string parse_cpu_model_name(std::string_view cpuinfo_text);

// One "name: value" line per feature of this architecture, for `coreinfer info --cpu`.
std::string describe_cpu_features(const CpuFeatures& f);
void print_cpu_features(std::FILE* out = stdout);

}  // namespace coreinfer
