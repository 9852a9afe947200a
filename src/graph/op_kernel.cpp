#include "graph/op_kernel.h"

#include <algorithm>

#include "core/thread_pool.h"

namespace coreinfer {

Result<Tensor*> OpRunContext::allocate_output(size_t i, ElemType type, Shape shape) {
  if (i >= outputs.size()) return internal_error("output index " + std::to_string(i) + " out of range");
  CI_ASSIGN_OR_RETURN(outputs[i], Tensor::allocate(type, std::move(shape), buffers));
  return &outputs[i];
}

Result<Tensor*> OpRunContext::allocate_output_uninitialized(size_t i, ElemType type, Shape shape) {
  if (i >= outputs.size()) return internal_error("output index " + std::to_string(i) + " out of range");
  CI_ASSIGN_OR_RETURN(outputs[i], Tensor::allocate_uninitialized(type, std::move(shape), buffers));
  return &outputs[i];
}

void OpRunContext::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) const {
  if (n <= 0) return;
  if (pool == nullptr || pool->size() <= 1 || n <= grain) {
    fn(0, n);
    return;
  }
  pool->parallel_for(n, grain, fn);
}

void OpRegistry::add(const std::string& domain, const std::string& op_type, OpFactory factory) {
  ops_[{domain == "ai.onnx" ? "" : domain, op_type}] = std::move(factory);
}

const OpFactory* OpRegistry::find(const std::string& domain, const std::string& op_type) const {
  auto it = ops_.find({domain == "ai.onnx" ? "" : domain, op_type});
  return it == ops_.end() ? nullptr : &it->second;
}

std::vector<std::string> OpRegistry::op_names() const {
  std::vector<std::string> names;
  for (const auto& [key, f] : ops_) names.push_back(key.first.empty() ? key.second : key.first + "::" + key.second);
  std::sort(names.begin(), names.end());
  return names;
}

Result<int64_t> normalize_axis(int64_t axis, int64_t rank) {
  const int64_t lo = -std::max<int64_t>(rank, 1), hi = std::max<int64_t>(rank, 1) - 1;
  if (axis < lo || axis > hi)
    return invalid_argument("axis " + std::to_string(axis) + " is out of range [" + std::to_string(lo) + ", " +
                            std::to_string(hi) + "] for a rank-" + std::to_string(rank) + " tensor");
  return axis < 0 ? axis + rank : axis;
}

}  // namespace coreinfer
