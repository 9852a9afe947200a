// The graph engine's IR: an ONNX-like graph of nodes over named values, independent of protobuf
// (formats/onnx builds it). Passes rewrite it; Session executes it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/tensor.h"

namespace coreinfer {

struct Graph;

struct Attribute {
  enum class Kind { kFloat, kInt, kString, kTensor, kFloats, kInts, kStrings, kGraph };
  Kind kind = Kind::kInt;
  float f = 0;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::shared_ptr<const Graph> g;  // kGraph: a subgraph (If branches, Loop and Scan bodies)
};

// Typed, defaulted access to a node's attributes.
class Attributes {
 public:
  bool has(const std::string& name) const { return map_.count(name) != 0; }
  const Attribute* find(const std::string& name) const;
  void set(const std::string& name, Attribute a) { map_[name] = std::move(a); }
  void set_int(const std::string& name, int64_t v);
  void set_float(const std::string& name, float v);
  void set_string(const std::string& name, std::string v);
  void set_ints(const std::string& name, std::vector<int64_t> v);
  void set_floats(const std::string& name, std::vector<float> v);
  void erase(const std::string& name) { map_.erase(name); }

  int64_t get_int(const std::string& name, int64_t fallback) const;
  float get_float(const std::string& name, float fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name, const std::vector<int64_t>& fallback = {}) const;
  std::vector<float> get_floats(const std::string& name, const std::vector<float>& fallback = {}) const;
  const std::map<std::string, Attribute>& all() const { return map_; }

 private:
  std::map<std::string, Attribute> map_;
};

struct Node {
  std::string name;     // may be empty in the file; the importer names it "<op_type>_<index>"
  std::string op_type;  // "Conv"
  std::string domain;   // "" for the default ai.onnx domain, "com.microsoft", ...
  std::vector<std::string> inputs;   // "" marks an absent optional input
  std::vector<std::string> outputs;  // "" marks an unused optional output
  Attributes attrs;
  // Outer-scope values its subgraphs read by name (If/Loop/Scan bodies may use any value visible
  // where the node stands). Session appends them, in this order, to the end of `inputs`, so the
  // passes and the executor see the dependency; here they keep the names the subgraphs use.
  std::vector<std::string> captures;
  // The inputs the operator declares (those before the captured values).
  size_t declared_inputs() const { return inputs.size() - captures.size(); }
  // "node 'conv1' (Conv)": the prefix of every error about this node.
  std::string describe() const;
};

// A graph input or output as declared: element type and shape; dims < 0 are symbolic
// (dim_names holds the symbol, e.g. "batch_size", or "" when the file gives none).
struct ValueInfo {
  std::string name;
  ElemType type = ElemType::kUndefined;
  Shape shape;
  std::vector<std::string> dim_names;
  bool has_shape = false;
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::unordered_map<std::string, Tensor> initializers;  // constants (weights)
  std::vector<ValueInfo> inputs;                         // initializers excluded
  std::vector<ValueInfo> outputs;
  // Types and shapes of intermediate values where shape inference could tell (dims < 0 unknown).
  std::unordered_map<std::string, ValueInfo> value_info;
  std::map<std::string, int64_t> opsets;  // domain ("" = ai.onnx) -> version
  int64_t ir_version = 0;
  std::string producer;

  int64_t opset(const std::string& domain) const;  // 0 when not imported
};

}  // namespace coreinfer
