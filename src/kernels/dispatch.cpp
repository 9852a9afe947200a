#include "kernels/dispatch.h"

#include <cstdlib>
#include <cstring>

#include "core/cpu_features.h"
#include "core/log.h"

namespace coreinfer::kernels {
namespace {

constexpr Isa kAllIsas[] = {Isa::kScalar, Isa::kAvx2,    Isa::kAvx512, Isa::kAvx512Vnni,
                            Isa::kNeon,   Isa::kDotprod, Isa::kI8mm,   Isa::kSve};

bool is_x86_level(Isa isa) { return isa == Isa::kAvx2 || isa == Isa::kAvx512 || isa == Isa::kAvx512Vnni; }

// Each level includes the ones below it on its architecture (the per-ISA compiler flags are
// cumulative too, see cmake/CompilerFlags.cmake).
bool cpu_has(const CpuFeatures& f, Isa isa) {
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return f.avx2 && f.fma && f.f16c;
    case Isa::kAvx512: return cpu_has(f, Isa::kAvx2) && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
    case Isa::kAvx512Vnni: return cpu_has(f, Isa::kAvx512) && f.avx512_vnni && f.avx512_bf16;
    case Isa::kNeon: return f.asimd;
    case Isa::kDotprod: return cpu_has(f, Isa::kNeon) && f.asimddp && f.asimdhp;
    case Isa::kI8mm: return cpu_has(f, Isa::kDotprod) && f.i8mm && f.bf16;
    case Isa::kSve: return cpu_has(f, Isa::kI8mm) && f.sve;
  }
  return false;
}

// Calls the registration functions of one level.
void register_level(Isa level, KernelTable& t) {
#if defined(__x86_64__)
  switch (level) {
    case Isa::kAvx2:
      register_quant_avx2(t);
      register_math_avx2(t);
      register_int8_avx2(t);
      break;
    case Isa::kAvx512:
    case Isa::kAvx512Vnni:  // the avx512 files pick their VNNI/BF16 kernels when t.isa says so
      register_quant_avx512(t);
      register_math_avx512(t);
      if (level == Isa::kAvx512Vnni) {
        register_int8_avx512vnni(t);
        register_bf16_act_avx512vnni(t);
      }
      break;
    default:
      break;
  }
#elif defined(__aarch64__)
  switch (level) {
    case Isa::kNeon:
      register_math_neon(t);
      register_quant_neon(t);
      register_int8_neon(t);
      break;
    case Isa::kDotprod:
      register_quant_dotprod(t);
      register_int8_dotprod(t);
      break;
    case Isa::kI8mm:
      register_quant_i8mm(t);
      register_int8_i8mm(t);
      register_bf16_act_i8mm(t);
      break;
    case Isa::kSve:
      register_math_sve(t);
      register_int8_sve(t);
      break;
    default:
      break;
  }
#endif
}

std::string isa_list() {
  std::string names;
  for (Isa isa : kAllIsas) {
    if (!names.empty()) names += "|";
    names += isa_name(isa);
  }
  return names;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kNeon: return "neon";
    case Isa::kDotprod: return "dotprod";
    case Isa::kI8mm: return "i8mm";
    case Isa::kSve: return "sve";
  }
  return "unknown";
}

bool parse_isa(const char* name, Isa* out) {
  if (name == nullptr) return false;
  for (Isa isa : kAllIsas) {
    if (std::strcmp(name, isa_name(isa)) == 0) {
      *out = isa;
      return true;
    }
  }
  return false;
}

bool isa_supported(Isa isa) { return cpu_has(cpu_features(), isa); }

Isa best_supported_isa() {
  Isa best = Isa::kScalar;
  for (Isa isa : kAllIsas)
    if (isa_supported(isa)) best = isa;  // ascending order; a CPU has one architecture's levels
  return best;
}

bool build_table(Isa max_isa, KernelTable* out) {
  if (!isa_supported(max_isa)) return false;
  KernelTable t;
  register_quant_ref(t);
  register_math_ref(t);
  register_int8_ref(t);
  for (Isa level : kAllIsas) {
    if (level == Isa::kScalar || static_cast<int>(level) > static_cast<int>(max_isa)) continue;
    if (is_x86_level(level) != is_x86_level(max_isa) || !isa_supported(level)) continue;
    t.isa = level;
    register_level(level, t);
  }
  t.isa = max_isa;
  // A type whose 8-bit path reads the GGUF layout decodes it with the best GGUF decoder.
  for (WeightKernels& w : t.weights)
    if (w.has_int8_path() && w.int8_repack_row == nullptr) w.int8_dequant_row = w.dequant_row;
  *out = t;
  return true;
}

Isa resolve_isa(const char* requested, std::string* warning) {
  warning->clear();
  const Isa best = best_supported_isa();
  if (requested == nullptr || requested[0] == '\0') return best;
  Isa isa = Isa::kScalar;
  if (!parse_isa(requested, &isa)) {
    *warning = std::string("COREINFER_ISA=") + requested + " is not a known level (" + isa_list() +
               "); using " + isa_name(best);
    return best;
  }
  if (!isa_supported(isa)) {
    *warning = std::string("COREINFER_ISA=") + requested + " is not supported by this CPU; using " + isa_name(best);
    return best;
  }
  return isa;
}

const KernelTable& active() {
  static const KernelTable table = [] {
    std::string warning;
    const Isa isa = resolve_isa(std::getenv("COREINFER_ISA"), &warning);
    if (!warning.empty()) log::warn(warning);
    KernelTable t;
    build_table(isa, &t);
    log::debug(std::string("kernels: using level ") + isa_name(isa));
    return t;
  }();
  return table;
}

}  // namespace coreinfer::kernels
