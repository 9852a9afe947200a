// Slice (starts/ends/axes/steps as attributes before opset 10, inputs from 10) and Pad
// (attributes before opset 11; inputs pads, constant_value, axes from 11/18).
#include <algorithm>
#include <cstring>

#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer::tensor_ops {
namespace {

struct SliceArgs {
  std::vector<int64_t> starts, ends, axes, steps;
  bool has_axes = false, has_steps = false;
};

Status run_slice(OpRunContext& ctx, const Tensor& x, const SliceArgs& a) {
  const int r = x.rank();
  if (a.starts.size() != a.ends.size())
    return invalid_argument("Slice: 'starts' " + join_ints(a.starts) + " and 'ends' " + join_ints(a.ends) +
                            " must have the same length");
  const size_t n = a.starts.size();
  std::vector<int64_t> axes = a.axes;
  if (!a.has_axes) {
    axes.resize(n);
    for (size_t i = 0; i < n; ++i) axes[i] = static_cast<int64_t>(i);
  }
  if (axes.size() != n) return invalid_argument("Slice: 'axes' " + join_ints(axes) + " must have one entry per start");
  if (a.has_steps && a.steps.size() != n)
    return invalid_argument("Slice: 'steps' " + join_ints(a.steps) + " must have one entry per start");
  CI_ASSIGN_OR_RETURN(axes, normalize_axes(axes, r));
  Shape out_shape = x.shape();
  std::vector<int64_t> start(r, 0), step(r, 1);
  for (size_t i = 0; i < n; ++i) {
    const int64_t ax = axes[i];
    const int64_t dim = x.dim(static_cast<int>(ax));
    const int64_t st = a.has_steps ? a.steps[i] : 1;
    if (st == 0) return invalid_argument("Slice: step 0 on axis " + std::to_string(ax) + " (steps must be non-zero)");
    int64_t s = a.starts[i], e = a.ends[i];
    if (s < 0) s = s < -dim ? -1 : s + dim;  // avoid overflow on INT64_MIN
    if (e < 0) e = e < -dim ? -1 : e + dim;
    int64_t count;
    if (st > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      count = e > s ? (e - s + st - 1) / st : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      count = s > e ? (s - e + (-st) - 1) / (-st) : 0;
    }
    start[ax] = s;
    step[ax] = st;
    out_shape[ax] = count;
  }
  CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x.type(), out_shape));
  if (out->numel() == 0) return Status::ok();
  const size_t es = elem_size(x.type());
  const std::vector<int64_t> in_strides = contiguous_strides(x.shape());
  std::vector<int64_t> ss(r);
  int64_t offset = 0;
  for (int d = 0; d < r; ++d) {
    ss[d] = in_strides[d] * step[d];
    offset += start[d] * in_strides[d];
  }
  strided_copy(&ctx, es, out_shape, static_cast<const std::byte*>(x.raw()) + offset * static_cast<int64_t>(es), ss,
               out->raw(), contiguous_strides(out_shape));
  return Status::ok();
}

Result<std::unique_ptr<OpKernel>> make_slice(const OpBuildContext& b) {
  if (opset_of(b) < 10) {
    SliceArgs a;
    a.starts = b.attrs().get_ints("starts");
    a.ends = b.attrs().get_ints("ends");
    a.has_axes = b.attrs().has("axes");
    a.axes = b.attrs().get_ints("axes");
    if (!b.attrs().has("starts") || !b.attrs().has("ends"))
      return invalid_argument("Slice (opset < 10) needs the attributes 'starts' and 'ends'");
    return make_kernel([a](OpRunContext& ctx) -> Status {
      CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
      return run_slice(ctx, *x, a);
    });
  }
  return make_kernel([](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    CI_ASSIGN_OR_RETURN(const Tensor* st, required_input(ctx, 1, "starts"));
    CI_ASSIGN_OR_RETURN(const Tensor* en, required_input(ctx, 2, "ends"));
    SliceArgs a;
    CI_ASSIGN_OR_RETURN(a.starts, index_values(*st, "starts"));
    CI_ASSIGN_OR_RETURN(a.ends, index_values(*en, "ends"));
    if (const Tensor* ax = ctx.input(3); ax != nullptr && ax->defined()) {
      a.has_axes = true;
      CI_ASSIGN_OR_RETURN(a.axes, index_values(*ax, "axes"));
    }
    if (const Tensor* sp = ctx.input(4); sp != nullptr && sp->defined()) {
      a.has_steps = true;
      CI_ASSIGN_OR_RETURN(a.steps, index_values(*sp, "steps"));
    }
    return run_slice(ctx, *x, a);
  });
}

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

Result<PadMode> parse_pad_mode(const std::string& m) {
  if (m == "constant") return PadMode::kConstant;
  if (m == "reflect") return PadMode::kReflect;
  if (m == "edge") return PadMode::kEdge;
  if (m == "wrap") return PadMode::kWrap;
  return invalid_argument("Pad: unknown mode '" + m + "' (expected constant, reflect, edge or wrap)");
}

// Source index along one dimension for output position `o` (pad_begin before the data).
int64_t pad_source(PadMode mode, int64_t o, int64_t pad_begin, int64_t n) {
  const int64_t i = o - pad_begin;
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::kConstant: return -1;
    case PadMode::kEdge: return std::clamp<int64_t>(i, 0, n - 1);
    case PadMode::kWrap: return ((i % n) + n) % n;
    case PadMode::kReflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      int64_t m = ((i % period) + period) % period;
      return m < n ? m : period - m;
    }
  }
  return -1;
}

Status run_pad(OpRunContext& ctx, const Tensor& x, PadMode mode, const std::vector<int64_t>& pads_in,
               const std::vector<int64_t>* axes_in, const void* value) {
  const int r = x.rank();
  std::vector<int64_t> axes;
  if (axes_in != nullptr) {
    CI_ASSIGN_OR_RETURN(axes, normalize_axes(*axes_in, r));
  } else {
    for (int d = 0; d < r; ++d) axes.push_back(d);
  }
  const size_t na = axes.size();
  if (pads_in.size() != 2 * na)
    return invalid_argument("Pad: 'pads' " + join_ints(pads_in) + " must have " + std::to_string(2 * na) +
                            " entries (begin and end for each of " + std::to_string(na) + " axes) for input " +
                            shape_string(x.shape()));
  std::vector<int64_t> begin(r, 0), end(r, 0);
  for (int64_t v : pads_in)
    if (v > kMaxTensorBytes || v < -kMaxTensorBytes) return out_of_range("Pad: pads " + join_ints(pads_in) + " are too large");
  for (size_t i = 0; i < na; ++i) {
    begin[axes[i]] = pads_in[i];
    end[axes[i]] = pads_in[i + na];
  }
  Shape out_shape(r);
  std::vector<std::vector<int64_t>> maps(r);
  for (int d = 0; d < r; ++d) {
    const int64_t n = x.dim(d);
    out_shape[d] = n + begin[d] + end[d];
    if (out_shape[d] < 0)
      return invalid_argument("Pad: pads " + join_ints(pads_in) + " remove more than axis " + std::to_string(d) +
                              " of " + shape_string(x.shape()) + " holds");
    if (n == 0 && out_shape[d] > 0 && mode != PadMode::kConstant)
      return invalid_argument("Pad: cannot pad the empty axis " + std::to_string(d) + " in this mode");
  }
  // Allocated first: it bounds the size, so the per-axis maps below are bounded too.
  CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x.type(), out_shape));
  if (out->numel() == 0) return Status::ok();
  for (int d = 0; d < r; ++d) {
    maps[d].resize(out_shape[d]);
    for (int64_t o = 0; o < out_shape[d]; ++o) maps[d][o] = pad_source(mode, o, begin[d], x.dim(d));
  }
  gather_by_dim_maps(&ctx, elem_size(x.type()), x.shape(), maps, x.raw(), out->raw(), value);
  return Status::ok();
}

Result<std::unique_ptr<OpKernel>> make_pad(const OpBuildContext& b) {
  CI_ASSIGN_OR_RETURN(PadMode mode, parse_pad_mode(b.attrs().get_string("mode", "constant")));
  if (opset_of(b) < 11) {
    if (!b.attrs().has("pads") && !b.attrs().has("paddings")) return invalid_argument("Pad needs the attribute 'pads'");
    const std::vector<int64_t> pads = b.attrs().has("pads") ? b.attrs().get_ints("pads") : b.attrs().get_ints("paddings");
    const float value = b.attrs().get_float("value", 0.0f);
    return make_kernel([=](OpRunContext& ctx) -> Status {
      CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
      CI_ASSIGN_OR_RETURN(std::vector<std::byte> v, scalar_bytes(x->type(), value));
      return run_pad(ctx, *x, mode, pads, nullptr, v.data());
    });
  }
  return make_kernel([mode](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    CI_ASSIGN_OR_RETURN(const Tensor* p, required_input(ctx, 1, "pads"));
    CI_ASSIGN_OR_RETURN(std::vector<int64_t> pads, index_values(*p, "pads"));
    const void* value = nullptr;
    if (const Tensor* cv = ctx.input(2); cv != nullptr && cv->defined() && cv->numel() > 0) {
      if (cv->type() != x->type())
        return invalid_argument(std::string("Pad: 'constant_value' is ") + elem_type_name(cv->type()) +
                                " but 'data' is " + elem_type_name(x->type()));
      value = cv->raw();
    }
    std::vector<int64_t> axes;
    const Tensor* at = ctx.input(3);
    const bool has_axes = at != nullptr && at->defined();
    if (has_axes) {
      CI_ASSIGN_OR_RETURN(axes, index_values(*at, "axes"));
    }
    return run_pad(ctx, *x, mode, pads, has_axes ? &axes : nullptr, value);
  });
}

}  // namespace

void register_slice_pad_ops(OpRegistry& r) {
  r.add("", "Slice", make_slice);
  r.add("", "Pad", make_pad);
}

}  // namespace coreinfer::tensor_ops
