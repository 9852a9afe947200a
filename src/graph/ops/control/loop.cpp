// Loop: runs its body while the trip count (M) and the condition allow; loop-carried values go
// from one iteration to the next, scan outputs are stacked along a new first axis.
#include <cstring>
#include <string>
#include <vector>

#include "graph/ops/control/control_ops.h"
#include "graph/ops/control/subgraph.h"

namespace coreinfer {

namespace {

// The iterations' values of one scan output, appended as bytes (a Tensor per iteration would
// cost far more than the values for a long loop of small outputs).
struct ScanAccumulator {
  ElemType type = ElemType::kUndefined;
  Shape shape;
  int64_t count = 0;
  std::vector<std::byte> bytes;

  Status append(const Tensor& part, const std::string& name) {
    auto what = [&] { return "scan output '" + name + "'"; };
    if (count == 0) {
      if (elem_size(part.type()) == 0)
        return unsupported(what() + " has type " + elem_type_name(part.type()) + ", which cannot be stacked");
      type = part.type();
      shape = part.shape();
    } else if (part.type() != type || part.shape() != shape) {
      return invalid_argument(what() + " must have the same type and shape at every iteration: iteration 0 gave " +
                              elem_type_name(type) + " " + shape_string(shape) + ", iteration " +
                              std::to_string(count) + " gave " + elem_type_name(part.type()) + " " +
                              shape_string(part.shape()));
    }
    if (static_cast<int64_t>(bytes.size() + part.bytes()) > kMaxTensorBytes)
      return invalid_argument(what() + " grows past " + std::to_string(kMaxTensorBytes >> 30) + " GiB after " +
                              std::to_string(count + 1) + " iterations");
    const auto* src = static_cast<const std::byte*>(part.raw());
    bytes.insert(bytes.end(), src, src + part.bytes());
    ++count;
    return Status::ok();
  }
};

class LoopKernel final : public OpKernel {
 public:
  LoopKernel(std::unique_ptr<Subgraph> body, size_t carried, int64_t max_iterations)
      : body_(std::move(body)), carried_(carried), max_iterations_(max_iterations) {}

  Status run(OpRunContext& ctx) override {
    const size_t n = carried_;
    const size_t k_scans = body_->outputs().size() - 1 - n;
    bool has_trip_count = ctx.input(0) != nullptr;
    int64_t trip_count = 0;
    if (has_trip_count) {
      const Tensor& m = *ctx.input(0);
      if (m.numel() != 1 || (m.type() != ElemType::kInt64 && m.type() != ElemType::kInt32))
        return invalid_argument("input 'M' (trip count) must be an int64 tensor of one element, got " +
                                std::string(elem_type_name(m.type())) + " " + shape_string(m.shape()));
      CI_ASSIGN_OR_RETURN(auto v, m.to_int64_vector());
      trip_count = v[0];
    }
    const bool has_cond = ctx.input(1) != nullptr;
    bool cond = true;
    if (has_cond) {
      CI_ASSIGN_OR_RETURN(cond, read_bool_scalar(ctx.input(1), "input 'cond'"));
    }

    std::vector<Tensor> carried(n);
    for (size_t i = 0; i < n; ++i) {
      if (ctx.input(2 + i) == nullptr) return invalid_argument("loop-carried input " + std::to_string(2 + i) + " is missing");
      carried[i] = *ctx.input(2 + i);
    }
    std::vector<ScanAccumulator> scans(k_scans);
    for (int64_t iter = 0; (!has_trip_count || iter < trip_count) && cond; ++iter) {
      if (iter >= max_iterations_)
        return invalid_argument("the loop ran " + std::to_string(max_iterations_) +
                                " iterations without ending (trip count " +
                                (has_trip_count ? std::to_string(trip_count) : std::string("none")) +
                                "); coreinfer stops loops there");
      std::vector<Tensor> feeds;
      feeds.reserve(2 + n);
      feeds.push_back(Tensor::from_vector<int64_t>({}, {iter}));
      feeds.push_back(Tensor::from_vector<bool>({}, {cond}));
      for (Tensor& t : carried) feeds.push_back(std::move(t));
      CI_ASSIGN_OR_RETURN(std::vector<Tensor> outs, body_->run(ctx, std::move(feeds)));
      if (has_cond) {
        CI_ASSIGN_OR_RETURN(cond, read_bool_scalar(&outs[0], "the body's output 'cond' (iteration " +
                                                                 std::to_string(iter) + ")"));
      }
      for (size_t i = 0; i < n; ++i) carried[i] = std::move(outs[1 + i]);
      for (size_t k = 0; k < k_scans; ++k)
        CI_RETURN_IF_ERROR(scans[k].append(outs[1 + n + k], body_->outputs()[1 + n + k].name));
    }
    for (size_t i = 0; i < n && i < ctx.num_outputs(); ++i) ctx.outputs[i] = std::move(carried[i]);
    for (size_t k = 0; k < k_scans && n + k < ctx.num_outputs(); ++k)
      CI_RETURN_IF_ERROR(stack_scan_output(ctx, n + k, scans[k], body_->outputs()[1 + n + k]));
    return Status::ok();
  }

 private:
  static Status stack_scan_output(OpRunContext& ctx, size_t out, const ScanAccumulator& parts,
                                  const ValueInfo& declared) {
    if (parts.count == 0) {  // no iteration: the declared per-iteration shape, with 0 in front
      Shape shape{0};
      for (int64_t d : declared.shape) shape.push_back(d < 0 ? 0 : d);
      const ElemType type = declared.type == ElemType::kUndefined ? ElemType::kFloat : declared.type;
      return ctx.allocate_output(out, type, shape).status();
    }
    Shape shape = parts.shape;
    shape.insert(shape.begin(), parts.count);
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(out, parts.type, shape));
    if (!parts.bytes.empty()) std::memcpy(y->raw(), parts.bytes.data(), parts.bytes.size());
    return Status::ok();
  }

  std::unique_ptr<Subgraph> body_;
  size_t carried_;
  int64_t max_iterations_;
};

}  // namespace

Result<std::unique_ptr<OpKernel>> make_loop(const OpBuildContext& ctx, int64_t max_iterations) {
  const size_t declared = ctx.node.declared_inputs();
  if (declared < 2)
    return invalid_argument("Loop takes inputs M, cond (either may be empty) and the loop-carried values, got " +
                            std::to_string(declared) + " inputs");
  const size_t n = declared - 2;
  CI_ASSIGN_OR_RETURN(auto body, Subgraph::build(ctx, "body"));
  if (body->inputs().size() != n + 2)
    return invalid_argument("the body takes " + std::to_string(body->inputs().size()) +
                            " inputs; it must take the iteration number, the condition and the " + std::to_string(n) +
                            " loop-carried values (" + std::to_string(n + 2) + ")");
  if (body->outputs().size() < n + 1)
    return invalid_argument("the body has " + std::to_string(body->outputs().size()) +
                            " outputs; it must give the condition and the " + std::to_string(n) +
                            " loop-carried values (at least " + std::to_string(n + 1) + ")");
  const size_t k_scans = body->outputs().size() - 1 - n;
  if (ctx.node.outputs.size() > n + k_scans)
    return invalid_argument("the node has " + std::to_string(ctx.node.outputs.size()) + " outputs, the body gives " +
                            std::to_string(n) + " loop-carried values and " + std::to_string(k_scans) +
                            " scan outputs");
  return std::unique_ptr<OpKernel>(new LoopKernel(std::move(body), n, max_iterations));
}

}  // namespace coreinfer
