#include "graph/ops/recurrent/recurrent_op.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "kernels/kernel_table.h"

namespace coreinfer::recurrent {
namespace {

enum Input { kX, kW, kR, kB, kSeqLens, kInitialH, kInitialC, kP };
enum Output { kY, kYh, kYc };

Status expect_shape(const Tensor* t, const char* name, const Shape& want) {
  if (t->shape() != want)
    return invalid_argument(std::string("input ") + name + " must have shape " + shape_string(want) + ", got " +
                            shape_string(t->shape()));
  return Status::ok();
}

Result<const Tensor*> float_arg(const OpRunContext& ctx, size_t i, const char* name, bool required) {
  const Tensor* t = ctx.input(i);
  if (t == nullptr) {
    if (required) return invalid_argument(std::string("input ") + name + " is missing");
    return t;
  }
  if (t->type() != ElemType::kFloat)
    return unsupported(std::string("input ") + name + " must be float32, got " + elem_type_name(t->type()));
  return t;
}

// The sizes of one run, from X and W under the layout.
struct Dims {
  int64_t seq = 0, batch = 0, input = 0, hidden = 0, dirs = 1, gh = 0;  // gh = gates * hidden
};

class RecurrentKernel final : public OpKernel {
 public:
  RecurrentKernel(RecurrentSpec spec, int64_t hidden_attr, int dirs, bool reverse, int64_t layout, CellOptions opt,
                  std::vector<GateActivation> acts, std::vector<bool> want_outputs)
      : spec_(std::move(spec)), hidden_attr_(hidden_attr), dirs_(dirs), reverse_(reverse), layout_(layout),
        opt_(opt), acts_(std::move(acts)), want_(std::move(want_outputs)) {}

  Status run(OpRunContext& ctx) override {
    CI_ASSIGN_OR_RETURN(const Tensor* x, float_arg(ctx, kX, "X", true));
    CI_ASSIGN_OR_RETURN(const Tensor* w, float_arg(ctx, kW, "W", true));
    CI_ASSIGN_OR_RETURN(const Tensor* r, float_arg(ctx, kR, "R", true));
    CI_ASSIGN_OR_RETURN(const Tensor* b, float_arg(ctx, kB, "B", false));
    CI_ASSIGN_OR_RETURN(const Tensor* h0, float_arg(ctx, kInitialH, "initial_h", false));
    const Tensor* c0 = nullptr;
    const Tensor* p = nullptr;
    if (spec_.has_cell_state) {
      CI_ASSIGN_OR_RETURN(c0, float_arg(ctx, kInitialC, "initial_c", false));
      CI_ASSIGN_OR_RETURN(p, float_arg(ctx, kP, "P", false));
    }
    Dims d;
    CI_RETURN_IF_ERROR(check_shapes(*x, *w, *r, b, h0, c0, p, d));
    std::vector<int64_t> lens;
    CI_RETURN_IF_ERROR(read_sequence_lens(ctx.input(kSeqLens), d, lens));

    // Outputs (zero-filled: steps past a row's sequence length stay 0).
    Tensor* y = nullptr;
    Tensor* yh = nullptr;
    Tensor* yc = nullptr;
    const Shape y_shape = layout_ == 0 ? Shape{d.seq, d.dirs, d.batch, d.hidden} : Shape{d.batch, d.seq, d.dirs, d.hidden};
    const Shape state_shape = layout_ == 0 ? Shape{d.dirs, d.batch, d.hidden} : Shape{d.batch, d.dirs, d.hidden};
    if (wanted(kY)) {
      CI_ASSIGN_OR_RETURN(y, ctx.allocate_output(kY, ElemType::kFloat, y_shape));
    }
    if (wanted(kYh)) {
      CI_ASSIGN_OR_RETURN(yh, ctx.allocate_output(kYh, ElemType::kFloat, state_shape));
    }
    if (wanted(kYc)) {
      CI_ASSIGN_OR_RETURN(yc, ctx.allocate_output(kYc, ElemType::kFloat, state_shape));
    }

    // X in time-major order [seq][batch][input], the layout the projection and the loop walk.
    Tensor x_tm = *x;
    if (layout_ == 1) {
      CI_ASSIGN_OR_RETURN(x_tm, Tensor::allocate_uninitialized(ElemType::kFloat, {d.seq, d.batch, d.input}));
      const float* src = x->data<float>();
      float* dst = x_tm.data<float>();
      for (int64_t bi = 0; bi < d.batch; ++bi)
        for (int64_t t = 0; t < d.seq; ++t)
          std::memcpy(dst + (t * d.batch + bi) * d.input, src + (bi * d.seq + t) * d.input, d.input * sizeof(float));
    }
    CI_ASSIGN_OR_RETURN(Tensor xw, Tensor::allocate_uninitialized(ElemType::kFloat, {d.seq * d.batch, d.gh}));
    CI_ASSIGN_OR_RETURN(Tensor state, Tensor::allocate(ElemType::kFloat, {6, d.batch, d.hidden}));
    CI_ASSIGN_OR_RETURN(Tensor gates, Tensor::allocate_uninitialized(ElemType::kFloat, {d.batch, d.gh}));

    for (int64_t dir = 0; dir < d.dirs; ++dir) {
      const bool backward = reverse_ || dir == 1;
      project_inputs(ctx, x_tm.data<float>(), w->data<float>() + dir * d.gh * d.input,
                     b ? b->data<float>() + dir * 2 * d.gh : nullptr, d, xw.data<float>());
      const int64_t plane = d.batch * d.hidden;
      float* h_prev = state.data<float>();
      float* c_prev = h_prev + plane;
      float* h_new = c_prev + plane;
      float* c_new = h_new + plane;
      float* scratch = c_new + plane;
      load_state(h0, dir, d, h_prev);
      if (spec_.has_cell_state) load_state(c0, dir, d, c_prev);
      DirectionWeights dw;
      dw.r = r->data<float>() + dir * d.gh * d.hidden;
      dw.rb = b ? b->data<float>() + dir * 2 * d.gh + d.gh : nullptr;
      dw.p = p ? p->data<float>() + dir * 3 * d.hidden : nullptr;
      dw.acts = acts_.data() + dir * spec_.activations_per_direction;
      CellStep s;
      s.batch = d.batch;
      s.hidden = d.hidden;
      s.h_prev = h_prev;
      s.c_prev = spec_.has_cell_state ? c_prev : nullptr;
      s.h = h_new;
      s.c = spec_.has_cell_state ? c_new : nullptr;
      s.gates = gates.data<float>();
      s.scratch = scratch;
      for (int64_t step = 0; step < d.seq; ++step) {
        const int64_t t = backward ? d.seq - 1 - step : step;
        s.xw = xw.data<float>() + t * d.batch * d.gh;
        spec_.cell(ctx, dw, opt_, s);
        for (int64_t bi = 0; bi < d.batch; ++bi) {
          if (!lens.empty() && t >= lens[bi]) continue;
          const size_t row_bytes = d.hidden * sizeof(float);
          std::memcpy(h_prev + bi * d.hidden, h_new + bi * d.hidden, row_bytes);
          if (spec_.has_cell_state) std::memcpy(c_prev + bi * d.hidden, c_new + bi * d.hidden, row_bytes);
          if (y != nullptr) {
            const int64_t at = layout_ == 0 ? ((t * d.dirs + dir) * d.batch + bi) : ((bi * d.seq + t) * d.dirs + dir);
            std::memcpy(y->data<float>() + at * d.hidden, h_new + bi * d.hidden, row_bytes);
          }
        }
      }
      store_state(h_prev, dir, d, yh);
      if (spec_.has_cell_state) store_state(c_prev, dir, d, yc);
    }
    return Status::ok();
  }

 private:
  bool wanted(int i) const { return static_cast<size_t>(i) < want_.size() && want_[i]; }

  Status check_shapes(const Tensor& x, const Tensor& w, const Tensor& r, const Tensor* b, const Tensor* h0,
                      const Tensor* c0, const Tensor* p, Dims& d) const {
    if (x.rank() != 3)
      return invalid_argument(std::string("input X must have rank 3 (") +
                              (layout_ == 0 ? "[seq_length, batch_size, input_size]" : "[batch_size, seq_length, input_size]") +
                              "), got " + shape_string(x.shape()));
    d.seq = layout_ == 0 ? x.dim(0) : x.dim(1);
    d.batch = layout_ == 0 ? x.dim(1) : x.dim(0);
    d.input = x.dim(2);
    d.dirs = dirs_;
    const int64_t g = spec_.gates;
    if (w.rank() != 3 || w.dim(0) != dirs_ || w.dim(1) % g != 0 || w.dim(1) == 0 || w.dim(2) != d.input)
      return invalid_argument("input W must have shape [" + std::to_string(dirs_) + ", " + std::to_string(g) +
                              "*hidden_size, " + std::to_string(d.input) + "], got " + shape_string(w.shape()));
    d.hidden = w.dim(1) / g;
    if (hidden_attr_ > 0 && hidden_attr_ != d.hidden)
      return invalid_argument("attribute hidden_size is " + std::to_string(hidden_attr_) + " but W " +
                              shape_string(w.shape()) + " implies " + std::to_string(d.hidden));
    d.gh = g * d.hidden;
    CI_RETURN_IF_ERROR(expect_shape(&r, "R", {d.dirs, d.gh, d.hidden}));
    if (b) CI_RETURN_IF_ERROR(expect_shape(b, "B", {d.dirs, 2 * d.gh}));
    const Shape state = layout_ == 0 ? Shape{d.dirs, d.batch, d.hidden} : Shape{d.batch, d.dirs, d.hidden};
    if (h0) CI_RETURN_IF_ERROR(expect_shape(h0, "initial_h", state));
    if (c0) CI_RETURN_IF_ERROR(expect_shape(c0, "initial_c", state));
    if (p) CI_RETURN_IF_ERROR(expect_shape(p, "P", {d.dirs, 3 * d.hidden}));
    return Status::ok();
  }

  static Status read_sequence_lens(const Tensor* t, const Dims& d, std::vector<int64_t>& lens) {
    if (t == nullptr) return Status::ok();
    if (t->type() != ElemType::kInt32 && t->type() != ElemType::kInt64)
      return invalid_argument(std::string("input sequence_lens must be int32, got ") + elem_type_name(t->type()));
    if (t->shape() != Shape{d.batch})
      return invalid_argument("input sequence_lens must have shape [" + std::to_string(d.batch) + "], got " +
                              shape_string(t->shape()));
    CI_ASSIGN_OR_RETURN(lens, t->to_int64_vector());
    for (size_t i = 0; i < lens.size(); ++i)
      if (lens[i] < 0 || lens[i] > d.seq)
        return invalid_argument("sequence_lens[" + std::to_string(i) + "] = " + std::to_string(lens[i]) +
                                " is outside [0, seq_length = " + std::to_string(d.seq) + "]");
    return Status::ok();
  }

  // xw[row][0..gh) = x[row]·Wᵀ + Wb for every (time, batch) row, in chunks across the pool.
  static void project_inputs(const OpRunContext& ctx, const float* x, const float* w, const float* wb, const Dims& d,
                             float* xw) {
    const int64_t rows = d.seq * d.batch;
    const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, d.gh * std::max<int64_t>(d.input, 1)));
    ctx.parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
      float* out = xw + r0 * d.gh;
      if (d.input > 0) {
        ctx.kernels.gemm_nt_f32(d.gh, r1 - r0, d.input, w, d.input, x + r0 * d.input, d.input, out, d.gh);
      } else {
        std::fill(out, out + (r1 - r0) * d.gh, 0.0f);
      }
      if (wb)
        for (int64_t i = 0; i < r1 - r0; ++i)
          for (int64_t j = 0; j < d.gh; ++j) out[i * d.gh + j] += wb[j];
    });
  }

  void load_state(const Tensor* init, int64_t dir, const Dims& d, float* dst) const {
    if (init == nullptr) {
      std::fill(dst, dst + d.batch * d.hidden, 0.0f);
      return;
    }
    for (int64_t bi = 0; bi < d.batch; ++bi) {
      const int64_t at = layout_ == 0 ? dir * d.batch + bi : bi * d.dirs + dir;
      std::memcpy(dst + bi * d.hidden, init->data<float>() + at * d.hidden, d.hidden * sizeof(float));
    }
  }

  void store_state(const float* src, int64_t dir, const Dims& d, Tensor* out) const {
    if (out == nullptr) return;
    for (int64_t bi = 0; bi < d.batch; ++bi) {
      const int64_t at = layout_ == 0 ? dir * d.batch + bi : bi * d.dirs + dir;
      std::memcpy(out->data<float>() + at * d.hidden, src + bi * d.hidden, d.hidden * sizeof(float));
    }
  }

  RecurrentSpec spec_;
  int64_t hidden_attr_;
  int dirs_;
  bool reverse_;
  int64_t layout_;
  CellOptions opt_;
  std::vector<GateActivation> acts_;
  std::vector<bool> want_;
};

}  // namespace

Result<std::unique_ptr<OpKernel>> make_recurrent(const OpBuildContext& ctx, RecurrentSpec spec) {
  const Attributes& a = ctx.attrs();
  const std::string direction = a.get_string("direction", "forward");
  int dirs = 1;
  bool reverse = false;
  if (direction == "bidirectional") {
    dirs = 2;
  } else if (direction == "reverse") {
    reverse = true;
  } else if (direction != "forward") {
    return invalid_argument("attribute direction must be forward, reverse or bidirectional, got '" + direction + "'");
  }
  const int64_t hidden = a.get_int("hidden_size", 0);
  if (a.has("hidden_size") && hidden <= 0)
    return invalid_argument("attribute hidden_size must be positive, got " + std::to_string(hidden));
  const int64_t layout = ctx.opset >= 14 ? a.get_int("layout", 0) : 0;
  if (layout != 0 && layout != 1) return invalid_argument("attribute layout must be 0 or 1, got " + std::to_string(layout));
  CellOptions opt;
  if (a.has("clip")) {
    opt.clip = a.get_float("clip", 0);
    if (!(opt.clip > 0)) return invalid_argument("attribute clip must be positive, got " + std::to_string(opt.clip));
  }
  opt.linear_before_reset = a.get_int("linear_before_reset", 0) != 0;
  opt.input_forget = a.get_int("input_forget", 0) != 0;
  CI_ASSIGN_OR_RETURN(auto acts, parse_gate_activations(a, spec.activations_per_direction, dirs, spec.default_activations));
  const size_t max_outputs = spec.has_cell_state ? 3 : 2;
  if (ctx.node.outputs.size() > max_outputs)
    return invalid_argument(std::string(spec.op) + " has at most " + std::to_string(max_outputs) + " outputs, the node has " +
                            std::to_string(ctx.node.outputs.size()));
  const size_t max_inputs = spec.has_cell_state ? 8 : 6;
  if (ctx.node.inputs.size() > max_inputs)
    return invalid_argument(std::string(spec.op) + " has at most " + std::to_string(max_inputs) + " inputs, the node has " +
                            std::to_string(ctx.node.inputs.size()));
  std::vector<bool> want;
  for (const std::string& name : ctx.node.outputs) want.push_back(!name.empty());
  return std::unique_ptr<OpKernel>(
      new RecurrentKernel(std::move(spec), hidden, dirs, reverse, layout, opt, std::move(acts), std::move(want)));
}

void clip_values(float* x, int64_t n, float clip) {
  if (clip <= 0) return;
  for (int64_t i = 0; i < n; ++i) x[i] = std::clamp(x[i], -clip, clip);
}

void recurrent_matmul(const OpRunContext& ctx, const float* h, int64_t batch, int64_t hidden, const float* r,
                      int64_t m, float* out, int64_t ld_out) {
  if (hidden == 0) {
    for (int64_t bi = 0; bi < batch; ++bi) std::fill(out + bi * ld_out, out + bi * ld_out + m, 0.0f);
    return;
  }
  const int64_t grain = std::max<int64_t>(8, 32768 / std::max<int64_t>(1, batch * hidden));
  ctx.parallel_for(m, grain, [&](int64_t i0, int64_t i1) {
    ctx.kernels.gemm_nt_f32(i1 - i0, batch, hidden, r + i0 * hidden, hidden, h, hidden, out + i0, ld_out);
  });
}

}  // namespace coreinfer::recurrent
