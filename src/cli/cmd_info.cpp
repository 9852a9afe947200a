// coreinfer info MODEL.gguf | info --cpu
#include <cinttypes>
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "formats/gguf/gguf_file.h"
#include "kernels/kernel_table.h"

namespace coreinfer::cli {
namespace {

constexpr size_t kMaxArrayItemsShown = 8;
constexpr size_t kMaxStringShown = 120;

std::string shorten(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, kMaxStringShown)) out += (c == '\n') ? std::string("\\n") : std::string(1, c);
  return s.size() > kMaxStringShown ? out + "..." : out;
}

std::string format_value(const gguf::Value& v) {
  using gguf::ValueType;
  if (const gguf::Array* a = v.as_array()) {
    std::string out = std::string("[") + gguf::value_type_name(a->elem_type) + " x " + std::to_string(a->size) + "] ";
    for (size_t i = 0; i < std::min<uint64_t>(a->size, kMaxArrayItemsShown); ++i) {
      if (i) out += ", ";
      if (!a->strings.empty()) out += "\"" + shorten(a->strings[i]) + "\"";
      else if (!a->ints.empty()) out += std::to_string(a->ints[i]);
      else if (!a->floats.empty()) out += std::to_string(a->floats[i]);
      else out += "[...]";
    }
    return a->size > kMaxArrayItemsShown ? out + ", ..." : out;
  }
  switch (v.type) {
    case ValueType::kString: return "\"" + shorten(v.s) + "\"";
    case ValueType::kBool: return v.b ? "true" : "false";
    case ValueType::kFloat32: case ValueType::kFloat64: return std::to_string(v.f);
    case ValueType::kUint64: return std::to_string(v.u);
    default: return std::to_string(v.i);
  }
}

void print_kernels() {
  const kernels::KernelTable& k = kernels::active();
  std::printf("kernels: %s (COREINFER_ISA=scalar|avx2|avx512|avx512vnni|neon|dotprod|i8mm|sve lowers it)\n",
              kernels::isa_name(k.isa));
  std::printf("  %-12s %s\n", "gemm_f32", kernels::isa_name(k.gemm_isa));
  std::printf("  %-12s %s\n", "dot_f32", kernels::isa_name(k.dot_isa));
  std::printf("  %-12s %s\n", "rmsnorm", kernels::isa_name(k.rmsnorm_isa));
  std::printf("  %-12s %s\n", "softmax", kernels::isa_name(k.softmax_isa));
  std::printf("  %-12s %s\n", "silu_mul", kernels::isa_name(k.silu_mul_isa));
  std::printf("  %-12s %s\n", "axpy", kernels::isa_name(k.axpy_isa));
  std::printf("  %-12s %s\n", "rope", kernels::isa_name(k.rope_isa));
  std::printf("  %-12s %s\n", "quantize_act", kernels::isa_name(k.quantize_act_isa));
  std::printf("  weight formats (dequantise / dot with fp32 activations / packed dot / dot with 8-bit or bf16 activations):\n");
  for (uint32_t i = 0; i < kernels::kMaxWeightTypes; ++i) {
    const kernels::WeightKernels& w = k.weights[i];
    if (w.dot_row == nullptr) continue;
    std::string act = w.has_int8_path() ? kernels::isa_name(w.int8_isa) : "-";
    if (w.has_int8_path() && w.int8_row_group == 2) act += " (row pairs)";
    if (w.has_int8_path() && w.act_quantize != nullptr)
      act += std::string(" (bf16 activations, quantised at ") + kernels::isa_name(w.act_quantize_isa) + ")";
    std::printf("  %-12s %s / %s / %s / %s\n", std::string(dtype_info(i)->name).c_str(), kernels::isa_name(w.dequant_isa),
                kernels::isa_name(w.dot_isa), w.has_packed_layout() ? kernels::isa_name(w.packed_isa) : "-", act.c_str());
  }
}

int print_cpu() {
  print_cpu_features(stdout);
  const CpuBudget budget = detect_cpu_budget();
  std::printf("usable cpus: %d (affinity %zu", budget.usable(), budget.cpus.size());
  if (budget.quota_cpus > 0) std::printf(", cgroup quota %d", budget.quota_cpus);
  std::printf(")\n");
  print_kernels();
  return 0;
}

}  // namespace

int run_info(const InfoOptions& o) {
  if (o.cpu) return print_cpu();
  auto file = gguf::GgufFile::open(o.model);
  if (!file.is_ok()) return fail(file.status().message());
  const gguf::GgufFile& f = **file;
  std::printf("file: %s\nformat: GGUF v%u, %zu bytes, alignment %u\n", f.path().c_str(), f.version(), f.file_size(),
              f.alignment());
  std::printf("\nmetadata (%zu keys):\n", f.metadata().size());
  for (const auto& [key, value] : f.metadata()) std::printf("  %-40s %s\n", key.c_str(), format_value(value).c_str());
  std::printf("\ntensors (%zu):\n", f.tensors().size());
  int64_t params = 0;
  size_t bytes = 0;
  for (const gguf::TensorInfo& t : f.tensors()) {
    std::string shape;
    for (int64_t d : t.shape) shape += (shape.empty() ? "" : " x ") + std::to_string(d);
    std::printf("  %-32s %-6s [%s]\n", t.name.c_str(), std::string(dtype_name(t.type)).c_str(), shape.c_str());
    params += t.element_count();
    bytes += t.bytes;
  }
  std::printf("\nparameters: %" PRId64 " (%.3f M), tensor data %.2f MiB, %.2f bits per weight\n", params,
              static_cast<double>(params) / 1e6, static_cast<double>(bytes) / (1024.0 * 1024.0),
              params ? 8.0 * static_cast<double>(bytes) / static_cast<double>(params) : 0.0);
  return 0;
}

}  // namespace coreinfer::cli
