// DFT (opset 17: axis attribute, optional dft_length input) and STFT (opset 17). Real ([..., 1])
// or complex ([..., 2]) float32/float64 input; every transform runs in double precision.
#include <algorithm>
#include <string>
#include <vector>

#include "graph/ops/signal/fft.h"
#include "graph/ops/signal/signal_common.h"

namespace coreinfer::signal {
namespace {

// Reads `count` complex values (real parts only when components == 1) from src with a stride in
// elements of T between values.
template <typename T>
void load_line(const T* src, int64_t count, int64_t stride, int64_t components, cplx* dst) {
  for (int64_t j = 0; j < count; ++j) {
    const T* p = src + j * stride;
    dst[j] = cplx(static_cast<double>(p[0]), components == 2 ? static_cast<double>(p[1]) : 0.0);
  }
}

template <typename T>
void store_line(const cplx* src, int64_t count, int64_t stride, double scale, T* dst) {
  for (int64_t j = 0; j < count; ++j) {
    dst[j * stride] = static_cast<T>(src[j].real() * scale);
    dst[j * stride + 1] = static_cast<T>(src[j].imag() * scale);
  }
}

// Lines per parallel chunk so each chunk does at least ~16k complex operations.
int64_t line_grain(int64_t n) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(n, 1)); }

Status check_signal_last_dim(const Tensor& x, const char* name) {
  const int64_t c = x.dim(-1);
  if (c != 1 && c != 2)
    return invalid_argument(std::string("input ") + name + " must end in a dimension of 1 (real) or 2 (complex), got " +
                            shape_string(x.shape()));
  return Status::ok();
}

struct DftParams {
  int64_t axis_attr = 1;
  bool inverse = false;
  bool onesided = false;
};

template <typename T>
Status run_dft_typed(const Tensor& x, int64_t axis, int64_t n, const DftParams& p, OpRunContext& ctx) {
  const int64_t components = x.dim(-1);
  const int64_t len = x.dim(static_cast<int>(axis));
  const int64_t out_len = p.onesided ? n / 2 + 1 : n;
  Shape out_shape = x.shape();
  out_shape[axis] = out_len;
  out_shape.back() = 2;
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, x.type(), out_shape));
  CI_ASSIGN_OR_RETURN(FftPlan plan, FftPlan::create(n));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.dim(static_cast<int>(d));
  for (int64_t d = axis + 1; d + 1 < x.rank(); ++d) inner *= x.dim(static_cast<int>(d));
  const int64_t lines = outer * inner;
  if (lines == 0) return Status::ok();
  const int64_t used = std::min(len, n);
  const double scale = p.inverse ? 1.0 / static_cast<double>(n) : 1.0;
  const T* xd = x.data<T>();
  T* yd = y->data<T>();
  ctx.parallel_for(lines, line_grain(n), [&](int64_t b, int64_t e) {
    std::vector<cplx> buf(static_cast<size_t>(n)), scratch(static_cast<size_t>(plan.scratch_size()));
    for (int64_t line = b; line < e; ++line) {
      const int64_t o = line / inner, i = line % inner;
      load_line(xd + (o * len * inner + i) * components, used, inner * components, components, buf.data());
      std::fill(buf.begin() + used, buf.end(), cplx{});
      if (p.inverse) plan.backward(buf.data(), scratch.data());
      else plan.forward(buf.data(), scratch.data());
      store_line(buf.data(), out_len, inner * 2, scale, yd + (o * out_len * inner + i) * 2);
    }
  });
  return Status::ok();
}

Status run_dft(const DftParams& p, int64_t opset, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, real_input(ctx, 0, "input"));
  if (x->rank() < 3)
    return invalid_argument("input must have rank >= 3 ([batch, signal dims..., 1 or 2]), got " + shape_string(x->shape()));
  CI_RETURN_IF_ERROR(check_signal_last_dim(*x, "input"));
  int64_t axis_value = p.axis_attr;
  if (opset >= 20) {  // the axis moved to an optional input (default -2)
    axis_value = -2;
    if (ctx.input(2) != nullptr) {
      CI_ASSIGN_OR_RETURN(axis_value, scalar_int(ctx.input(2), "axis"));
    }
  }
  const int64_t r = x->rank();
  // The last dimension holds the components, so the signal axes are [0, r-2] (or [-r, -2]).
  if (axis_value < -r || axis_value > r - 2 || axis_value == -1)
    return invalid_argument("axis " + std::to_string(axis_value) + " is out of range for input " + shape_string(x->shape()) +
                            " (valid: [" + std::to_string(-r) + ", -2] or [0, " + std::to_string(r - 2) + "])");
  const int64_t axis = axis_value < 0 ? axis_value + r : axis_value;
  int64_t n = x->dim(static_cast<int>(axis));
  if (ctx.input(1) != nullptr) {
    CI_ASSIGN_OR_RETURN(n, scalar_int(ctx.input(1), "dft_length"));
    if (n < 1) return invalid_argument("dft_length must be >= 1, got " + std::to_string(n));
  }
  if (n < 1) return invalid_argument("the signal along axis " + std::to_string(axis) + " is empty: " + shape_string(x->shape()));
  if (x->type() == ElemType::kDouble) return run_dft_typed<double>(*x, axis, n, p, ctx);
  return run_dft_typed<float>(*x, axis, n, p, ctx);
}

Result<std::unique_ptr<OpKernel>> make_dft(const OpBuildContext& ctx) {
  DftParams p;
  p.axis_attr = ctx.attrs().get_int("axis", 1);
  p.inverse = ctx.attrs().get_int("inverse", 0) != 0;
  p.onesided = ctx.attrs().get_int("onesided", 0) != 0;
  const int64_t opset = ctx.opset;
  if (opset >= 20 && p.inverse && p.onesided)
    return unsupported("DFT with inverse=1 and onesided=1 (a complex-to-real inverse, opset 20) is not supported");
  return make_kernel([p, opset](OpRunContext& rc) { return run_dft(p, opset, rc); });
}

template <typename T>
Status run_stft_typed(const Tensor& sig, int64_t step, int64_t frame_length, const Tensor* window, bool onesided,
                      OpRunContext& ctx) {
  const int64_t batch = sig.dim(0), len = sig.dim(1), components = sig.dim(2);
  const int64_t frames = (len - frame_length) / step + 1;
  const int64_t bins = onesided ? frame_length / 2 + 1 : frame_length;
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, sig.type(), {batch, frames, bins, 2}));
  CI_ASSIGN_OR_RETURN(FftPlan plan, FftPlan::create(frame_length));
  std::vector<double> win(static_cast<size_t>(frame_length), 1.0);
  if (window != nullptr) {
    CI_ASSIGN_OR_RETURN(win, window->to_double_vector());
  }
  const T* xd = sig.data<T>();
  T* yd = y->data<T>();
  ctx.parallel_for(batch * frames, line_grain(frame_length), [&](int64_t b, int64_t e) {
    std::vector<cplx> buf(static_cast<size_t>(frame_length)), scratch(static_cast<size_t>(plan.scratch_size()));
    for (int64_t line = b; line < e; ++line) {
      const int64_t bi = line / frames, f = line % frames;
      load_line(xd + (bi * len + f * step) * components, frame_length, components, components, buf.data());
      for (int64_t j = 0; j < frame_length; ++j) buf[j] *= win[j];
      plan.forward(buf.data(), scratch.data());
      store_line(buf.data(), bins, 2, 1.0, yd + line * bins * 2);
    }
  });
  return Status::ok();
}

Status run_stft(bool onesided, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* sig, real_input(ctx, 0, "signal"));
  if (sig->rank() != 3)
    return invalid_argument("input signal must have shape [batch, signal_length, 1 or 2], got " + shape_string(sig->shape()));
  CI_RETURN_IF_ERROR(check_signal_last_dim(*sig, "signal"));
  CI_ASSIGN_OR_RETURN(const int64_t step, scalar_int(ctx.input(1), "frame_step"));
  if (step < 1) return invalid_argument("frame_step must be >= 1, got " + std::to_string(step));
  const Tensor* window = ctx.input(2);
  int64_t frame_length = -1;
  if (window != nullptr) {
    if (window->rank() != 1)
      return invalid_argument("input window must have rank 1, got " + shape_string(window->shape()));
    if (window->type() != ElemType::kFloat && window->type() != ElemType::kDouble && window->type() != ElemType::kFloat16 &&
        window->type() != ElemType::kBFloat16)
      return invalid_argument(std::string("input window must be a float type, got ") + elem_type_name(window->type()));
    frame_length = window->dim(0);
  }
  if (ctx.input(3) != nullptr) {
    CI_ASSIGN_OR_RETURN(const int64_t fl, scalar_int(ctx.input(3), "frame_length"));
    if (window != nullptr && fl != frame_length)
      return invalid_argument("frame_length " + std::to_string(fl) + " differs from the window length " +
                              std::to_string(frame_length));
    frame_length = fl;
  }
  if (window == nullptr && ctx.input(3) == nullptr)
    return invalid_argument("STFT needs a window or a frame_length input to know the frame size");
  const int64_t len = sig->dim(1);
  if (frame_length < 1 || frame_length > len)
    return invalid_argument("frame length " + std::to_string(frame_length) + " must be in [1, signal_length " +
                            std::to_string(len) + "]");
  if (sig->type() == ElemType::kDouble) return run_stft_typed<double>(*sig, step, frame_length, window, onesided, ctx);
  return run_stft_typed<float>(*sig, step, frame_length, window, onesided, ctx);
}

Result<std::unique_ptr<OpKernel>> make_stft(const OpBuildContext& ctx) {
  const bool onesided = ctx.attrs().get_int("onesided", 1) != 0;
  return make_kernel([onesided](OpRunContext& rc) { return run_stft(onesided, rc); });
}

}  // namespace

void register_dft(OpRegistry& r) {
  r.add("", "DFT", make_dft);
  r.add("", "STFT", make_stft);
}

}  // namespace coreinfer::signal
