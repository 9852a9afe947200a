// Test harness: builds one tensor-group op as a node and runs it on given inputs.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/op_kernel.h"

namespace coreinfer::test {

struct OpCall {
  explicit OpCall(std::string op_type, int64_t opset_version = 21, Attributes attributes = {},
                  std::vector<Tensor> ins = {})
      : op(std::move(op_type)), opset(opset_version), attrs(std::move(attributes)), inputs(std::move(ins)) {}

  std::string op;
  int64_t opset = 21;
  Attributes attrs;
  std::vector<Tensor> inputs;  // an undefined Tensor marks an absent optional input
  size_t outputs = 1;
  bool inputs_constant = false;  // hand the inputs to the build step as constants too
  bool threaded = false;         // run on a 4-thread pool
};

// The op's outputs, or the build/run error.
Result<std::vector<Tensor>> run_op(const OpCall& call);
// Convenience: one output, aborting the test on error.
Tensor run_ok(const OpCall& call);

template <typename T>
std::vector<T> values(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

inline Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }
inline Tensor i64(Shape s, std::vector<int64_t> v) { return Tensor::from_vector<int64_t>(std::move(s), v); }
inline Tensor i32(Shape s, std::vector<int32_t> v) { return Tensor::from_vector<int32_t>(std::move(s), v); }
inline Tensor i64v(std::vector<int64_t> v) { return i64({static_cast<int64_t>(v.size())}, v); }
// 0, 1, 2, ... as float
Tensor iota_f32(Shape s);

Attribute int_attr(int64_t v);
Attribute ints_attr(std::vector<int64_t> v);
Attribute float_attr(float v);
Attribute floats_attr(std::vector<float> v);
Attribute string_attr(std::string v);
Attribute tensor_attr(Tensor t);

}  // namespace coreinfer::test
