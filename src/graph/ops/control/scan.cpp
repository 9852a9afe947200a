// Scan: runs its body once per position along the scan inputs' axes, carrying state values from
// one iteration to the next and stacking the scan outputs. Opset 8 has a batch axis first
// (and optional sequence_lens); opset 9+ has per-input and per-output axes and directions.
#include <algorithm>
#include <string>
#include <vector>

#include "graph/ops/control/axis_slices.h"
#include "graph/ops/control/control_ops.h"
#include "graph/ops/control/subgraph.h"

namespace coreinfer {

namespace {

struct ScanConfig {
  size_t states = 0, scan_inputs = 0, scan_outputs = 0;
  std::vector<int64_t> input_axes, input_reverse, output_axes, output_reverse;  // per input / output
};

class ScanKernel final : public OpKernel {
 public:
  ScanKernel(std::unique_ptr<Subgraph> body, ScanConfig cfg, bool batched)
      : body_(std::move(body)), cfg_(std::move(cfg)), batched_(batched) {}

  Status run(OpRunContext& ctx) override { return batched_ ? run_batched(ctx) : run_unbatched(ctx); }

 private:
  // The iterations over `length` positions: states in, final states out, scan parts in order.
  Status iterate(const OpRunContext& ctx, std::vector<Tensor>& states, const std::vector<const Tensor*>& xs,
                 const std::vector<int64_t>& axes, int64_t length, std::vector<std::vector<Tensor>>& parts) const {
    parts.assign(cfg_.scan_outputs, {});
    for (int64_t t = 0; t < length; ++t) {
      std::vector<Tensor> feeds = states;
      for (size_t j = 0; j < xs.size(); ++j) {
        const int64_t pos = cfg_.input_reverse[j] ? length - 1 - t : t;
        CI_ASSIGN_OR_RETURN(Tensor slice, slice_at(*xs[j], axes[j], pos, ctx.buffers));
        feeds.push_back(std::move(slice));
      }
      CI_ASSIGN_OR_RETURN(std::vector<Tensor> outs, body_->run(ctx, std::move(feeds)));
      for (size_t i = 0; i < cfg_.states; ++i) states[i] = std::move(outs[i]);
      for (size_t k = 0; k < cfg_.scan_outputs; ++k) parts[k].push_back(std::move(outs[cfg_.states + k]));
    }
    for (size_t k = 0; k < cfg_.scan_outputs; ++k)
      CI_RETURN_IF_ERROR(check_same_shapes(parts[k], "scan output '" + body_->outputs()[cfg_.states + k].name + "'"));
    return Status::ok();
  }

  Status run_unbatched(OpRunContext& ctx) const {
    std::vector<Tensor> states;
    for (size_t i = 0; i < cfg_.states; ++i) states.push_back(*ctx.input(i));
    std::vector<const Tensor*> xs;
    std::vector<int64_t> axes;
    int64_t length = -1;
    for (size_t j = 0; j < cfg_.scan_inputs; ++j) {
      const Tensor* x = ctx.input(cfg_.states + j);
      auto axis = normalize_axis(cfg_.input_axes[j], x->rank());
      if (!axis.is_ok())
        return invalid_argument("scan input " + std::to_string(j) + " " + shape_string(x->shape()) +
                                ": scan_input_axes: " + axis.status().message());
      const int64_t len = x->dim(static_cast<int>(*axis));
      if (length >= 0 && len != length)
        return invalid_argument("the scan inputs must have the same length along their scan axes: input 0 has " +
                                std::to_string(length) + ", input " + std::to_string(j) + " has " +
                                std::to_string(len));
      length = len;
      xs.push_back(x);
      axes.push_back(*axis);
    }
    std::vector<std::vector<Tensor>> parts;
    CI_RETURN_IF_ERROR(iterate(ctx, states, xs, axes, length, parts));
    for (size_t i = 0; i < cfg_.states && i < ctx.num_outputs(); ++i) ctx.outputs[i] = std::move(states[i]);
    for (size_t k = 0; k < cfg_.scan_outputs && cfg_.states + k < ctx.num_outputs(); ++k) {
      const ValueInfo& declared = body_->outputs()[cfg_.states + k];
      Shape part_shape;
      ElemType type;
      if (parts[k].empty()) {
        for (int64_t d : declared.shape) part_shape.push_back(std::max<int64_t>(d, 0));
        type = declared.type == ElemType::kUndefined ? ElemType::kFloat : declared.type;
      } else {
        part_shape = parts[k][0].shape();
        type = parts[k][0].type();
      }
      auto axis = normalize_axis(cfg_.output_axes[k], static_cast<int64_t>(part_shape.size()) + 1);
      if (!axis.is_ok())
        return invalid_argument("scan output '" + declared.name + "': scan_output_axes: " + axis.status().message());
      Shape shape = part_shape;
      shape.insert(shape.begin() + *axis, length);
      if (elem_size(type) == 0) return unsupported("scan output '" + declared.name + "' has type " + elem_type_name(type));
      CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(cfg_.states + k, type, shape));
      for (int64_t t = 0; t < length; ++t)
        place_at(parts[k][t], *axis, cfg_.output_reverse[k] ? length - 1 - t : t, *y);
    }
    return Status::ok();
  }

  // Opset 8: inputs [sequence_lens], states [batch, ...], scan inputs [batch, sequence, ...].
  Status run_batched(OpRunContext& ctx) const {
    const Tensor* lens_t = ctx.input(0);
    const Tensor* x0 = ctx.input(1 + cfg_.states);
    if (x0->rank() < 2)
      return invalid_argument("scan input 0 must have a batch and a sequence axis, got " + shape_string(x0->shape()));
    const int64_t batch = x0->dim(0), max_len = x0->dim(1);
    for (size_t i = 0; i < cfg_.states + cfg_.scan_inputs; ++i) {
      const Tensor* v = ctx.input(1 + i);
      const bool scan = i >= cfg_.states;
      if (v->rank() < (scan ? 2 : 1) || v->dim(0) != batch || (scan && v->dim(1) != max_len))
        return invalid_argument("input " + std::to_string(1 + i) + " " + shape_string(v->shape()) + " must start with " +
                                (scan ? "[batch, sequence] = " + shape_string({batch, max_len})
                                      : "the batch size " + std::to_string(batch)));
    }
    std::vector<int64_t> lens(static_cast<size_t>(batch), max_len);
    if (lens_t != nullptr) {
      CI_ASSIGN_OR_RETURN(lens, lens_t->to_int64_vector());
      if (static_cast<int64_t>(lens.size()) != batch)
        return invalid_argument("sequence_lens has " + std::to_string(lens.size()) + " values, the batch is " +
                                std::to_string(batch));
      for (int64_t l : lens)
        if (l < 0 || l > max_len)
          return invalid_argument("sequence_lens value " + std::to_string(l) + " is outside [0, " +
                                  std::to_string(max_len) + "]");
    }
    std::vector<std::vector<Tensor>> final_states(cfg_.states), scan_parts(cfg_.scan_outputs);  // per batch
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<Tensor> states, slices;
      for (size_t i = 0; i < cfg_.states; ++i) {
        CI_ASSIGN_OR_RETURN(Tensor s, slice_at(*ctx.input(1 + i), 0, b, ctx.buffers));
        states.push_back(std::move(s));
      }
      for (size_t j = 0; j < cfg_.scan_inputs; ++j) {
        CI_ASSIGN_OR_RETURN(Tensor s, slice_at(*ctx.input(1 + cfg_.states + j), 0, b, ctx.buffers));
        slices.push_back(std::move(s));
      }
      std::vector<const Tensor*> xs;
      for (const Tensor& s : slices) xs.push_back(&s);
      std::vector<std::vector<Tensor>> parts;
      CI_RETURN_IF_ERROR(iterate(ctx, states, xs, std::vector<int64_t>(xs.size(), 0), lens[b], parts));
      for (size_t i = 0; i < cfg_.states; ++i) final_states[i].push_back(std::move(states[i]));
      for (size_t k = 0; k < cfg_.scan_outputs; ++k) {
        if (parts[k].empty()) {
          scan_parts[k].emplace_back();  // a zero-length sequence: all padding
          continue;
        }
        Shape shape = parts[k][0].shape();
        shape.insert(shape.begin(), max_len);
        CI_ASSIGN_OR_RETURN(Tensor seq, Tensor::allocate(parts[k][0].type(), shape, ctx.buffers));  // zero padding
        for (size_t t = 0; t < parts[k].size(); ++t) place_at(parts[k][t], 0, static_cast<int64_t>(t), seq);
        scan_parts[k].push_back(std::move(seq));
      }
    }
    for (size_t i = 0; i < cfg_.states && i < ctx.num_outputs(); ++i)
      CI_RETURN_IF_ERROR(stack_batch(ctx, i, final_states[i], "final state " + std::to_string(i), Shape{}));
    for (size_t k = 0; k < cfg_.scan_outputs && cfg_.states + k < ctx.num_outputs(); ++k) {
      Shape fallback{max_len};  // for sequences of length 0: the declared per-iteration shape
      for (int64_t d : body_->outputs()[cfg_.states + k].shape) fallback.push_back(std::max<int64_t>(d, 0));
      CI_RETURN_IF_ERROR(stack_batch(ctx, cfg_.states + k, scan_parts[k], "scan output " + std::to_string(k), fallback));
    }
    return Status::ok();
  }

  // Stacks per-batch tensors along a new axis 0; undefined entries (empty sequences) are zeros.
  static Status stack_batch(OpRunContext& ctx, size_t out, std::vector<Tensor>& per_batch, const std::string& what,
                            const Shape& fallback) {
    const Tensor* first = nullptr;
    for (const Tensor& t : per_batch)
      if (t.defined() && first == nullptr) first = &t;
    ElemType type = first ? first->type() : ElemType::kFloat;
    Shape part_shape = first ? first->shape() : fallback;
    std::vector<Tensor> defined;
    for (const Tensor& t : per_batch)
      if (t.defined()) defined.push_back(t);
    CI_RETURN_IF_ERROR(check_same_shapes(defined, what));
    if (elem_size(type) == 0) return unsupported(what + " has type " + elem_type_name(type));
    Shape shape = part_shape;
    shape.insert(shape.begin(), static_cast<int64_t>(per_batch.size()));
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(out, type, shape));
    for (size_t b = 0; b < per_batch.size(); ++b)
      if (per_batch[b].defined()) place_at(per_batch[b], 0, static_cast<int64_t>(b), *y);
    return Status::ok();
  }

  std::unique_ptr<Subgraph> body_;
  ScanConfig cfg_;
  bool batched_;
};

Result<std::vector<int64_t>> per_value_attr(const Attributes& attrs, const std::string& name, size_t count,
                                            bool is_direction) {
  std::vector<int64_t> v = attrs.get_ints(name);
  if (v.empty()) v.assign(count, 0);
  if (v.size() != count)
    return invalid_argument("attribute '" + name + "' has " + std::to_string(v.size()) + " values, expected " +
                            std::to_string(count));
  if (is_direction)
    for (int64_t d : v)
      if (d != 0 && d != 1)
        return invalid_argument("attribute '" + name + "' values must be 0 (forward) or 1 (reverse), got " +
                                std::to_string(d));
  return v;
}

}  // namespace

Result<std::unique_ptr<OpKernel>> make_scan(const OpBuildContext& ctx) {
  const bool batched = ctx.opset < 9;
  const int64_t m = ctx.attrs().get_int("num_scan_inputs", 0);
  const size_t declared = ctx.node.declared_inputs();
  const size_t offset = batched ? 1 : 0;  // opset 8: sequence_lens first
  if (m < 1 || static_cast<size_t>(m) + offset > declared)
    return invalid_argument("attribute 'num_scan_inputs' must be in [1, " + std::to_string(declared - offset) +
                            "], got " + std::to_string(m));
  ScanConfig cfg;
  cfg.scan_inputs = static_cast<size_t>(m);
  cfg.states = declared - offset - cfg.scan_inputs;
  CI_ASSIGN_OR_RETURN(auto body, Subgraph::build(ctx, "body"));
  if (body->inputs().size() != cfg.states + cfg.scan_inputs)
    return invalid_argument("the body takes " + std::to_string(body->inputs().size()) + " inputs, the node gives " +
                            std::to_string(cfg.states) + " states and " + std::to_string(cfg.scan_inputs) +
                            " scan inputs");
  if (body->outputs().size() < cfg.states)
    return invalid_argument("the body has " + std::to_string(body->outputs().size()) + " outputs, fewer than the " +
                            std::to_string(cfg.states) + " states");
  cfg.scan_outputs = body->outputs().size() - cfg.states;
  if (ctx.node.outputs.size() > body->outputs().size())
    return invalid_argument("the node has " + std::to_string(ctx.node.outputs.size()) + " outputs, the body gives " +
                            std::to_string(body->outputs().size()));
  for (size_t i = offset; i < declared; ++i)
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is missing");
  if (batched) {
    CI_ASSIGN_OR_RETURN(cfg.input_reverse, per_value_attr(ctx.attrs(), "directions", cfg.scan_inputs, true));
    cfg.input_axes.assign(cfg.scan_inputs, 0);
    cfg.output_axes.assign(cfg.scan_outputs, 0);
    cfg.output_reverse.assign(cfg.scan_outputs, 0);
  } else {
    CI_ASSIGN_OR_RETURN(cfg.input_axes, per_value_attr(ctx.attrs(), "scan_input_axes", cfg.scan_inputs, false));
    CI_ASSIGN_OR_RETURN(cfg.input_reverse, per_value_attr(ctx.attrs(), "scan_input_directions", cfg.scan_inputs, true));
    CI_ASSIGN_OR_RETURN(cfg.output_axes, per_value_attr(ctx.attrs(), "scan_output_axes", cfg.scan_outputs, false));
    CI_ASSIGN_OR_RETURN(cfg.output_reverse,
                        per_value_attr(ctx.attrs(), "scan_output_directions", cfg.scan_outputs, true));
  }
  return std::unique_ptr<OpKernel>(new ScanKernel(std::move(body), std::move(cfg), batched));
}

}  // namespace coreinfer
