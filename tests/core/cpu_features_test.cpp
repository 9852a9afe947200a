#include "core/cpu_features.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace coreinfer {
namespace {

// The words of the first "flags" (x86) or "Features" (Arm) line of /proc/cpuinfo; none under
// an emulator such as qemu-user, which shows the host's file.
std::set<std::string> kernel_cpu_flags() {
#if defined(__aarch64__)
  const std::string key = "Features";
#else
  const std::string key = "flags";
#endif
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      std::set<std::string> flags;
      for (std::string w; words >> w;) flags.insert(w);
      return flags;
    }
  }
  return {};
}

TEST(CpuFeatures, TableIsDetectedOnceAndStable) {
  const CpuFeatures& a = cpu_features();
  EXPECT_EQ(&a, &cpu_features());
  const CpuFeatures b = detect_cpu_features();
  EXPECT_EQ(a.avx2, b.avx2);
  EXPECT_EQ(a.avx512f, b.avx512f);
  EXPECT_EQ(a.asimd, b.asimd);
  EXPECT_EQ(a.sve_vector_bytes, b.sve_vector_bytes);
  EXPECT_EQ(a.model_name, b.model_name);
  EXPECT_FALSE(a.model_name.empty());
}

// Linux lists a feature in /proc/cpuinfo only when the CPU has it and the kernel enabled its
// register state, which is what our flags mean too.
TEST(CpuFeatures, AgreesWithTheKernelsFlags) {
  const std::set<std::string> flags = kernel_cpu_flags();
  if (flags.empty()) GTEST_SKIP() << "no flags line in /proc/cpuinfo";
  const CpuFeatures& f = cpu_features();
  const auto has = [&](const char* name) { return flags.count(name) != 0; };
#if defined(__x86_64__)
  EXPECT_EQ(f.avx2, has("avx2"));
  EXPECT_EQ(f.fma, has("fma"));
  EXPECT_EQ(f.f16c, has("f16c"));
  EXPECT_EQ(f.avx512f, has("avx512f"));
  EXPECT_EQ(f.avx512bw, has("avx512bw"));
  EXPECT_EQ(f.avx512vl, has("avx512vl"));
  EXPECT_EQ(f.avx512dq, has("avx512dq"));
  EXPECT_EQ(f.avx512_vnni, has("avx512_vnni"));
  EXPECT_EQ(f.avx512_bf16, has("avx512_bf16"));
  EXPECT_EQ(f.avx_vnni, has("avx_vnni"));
  EXPECT_EQ(f.amx_tile, has("amx_tile"));
  if (f.avx2) { EXPECT_TRUE(f.os_ymm); }
  if (f.avx512f) { EXPECT_TRUE(f.os_zmm); }
#elif defined(__aarch64__)
  EXPECT_EQ(f.asimd, has("asimd"));
  EXPECT_EQ(f.asimddp, has("asimddp"));
  EXPECT_EQ(f.fphp, has("fphp"));
  EXPECT_EQ(f.asimdhp, has("asimdhp"));
  EXPECT_EQ(f.i8mm, has("i8mm"));
  EXPECT_EQ(f.bf16, has("bf16"));
  EXPECT_EQ(f.sve, has("sve"));
  EXPECT_EQ(f.sve2, has("sve2"));
  if (f.sve) {
    EXPECT_GE(f.sve_vector_bytes, 16);
    EXPECT_EQ(f.sve_vector_bytes % 16, 0);
  }
#endif
}

TEST(CpuFeatures, ParsesTheModelName) {
  EXPECT_EQ(parse_cpu_model_name("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9654 96-Core "
                                 "Processor  \nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: other\n"),
            "AMD EPYC 9654 96-Core Processor");
  EXPECT_EQ(parse_cpu_model_name("processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\n"
                                 "CPU architecture: 8\nCPU variant\t: 0x1\nCPU part\t: 0xd0c\n"),
            "implementer 0x41 part 0xd0c");
  EXPECT_EQ(parse_cpu_model_name(""), "");
  EXPECT_EQ(parse_cpu_model_name("model name"), "");  // no colon: not a key-value line
}

TEST(CpuFeatures, DescribesEveryFeatureOfThisArchitecture) {
  const std::string text = describe_cpu_features(cpu_features());
  EXPECT_NE(text.find("model: " + cpu_features().model_name), std::string::npos);
#if defined(__x86_64__)
  EXPECT_NE(text.find("avx2: "), std::string::npos);
  EXPECT_NE(text.find("avx512_vnni: "), std::string::npos);
#elif defined(__aarch64__)
  EXPECT_NE(text.find("asimddp: "), std::string::npos);
  EXPECT_NE(text.find("sve: "), std::string::npos);
#endif
}

}  // namespace
}  // namespace coreinfer
