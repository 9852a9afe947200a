// InstanceNormalization, LayerNormalization, LRN and MeanVarianceNormalization. Statistics accumulate in double.
#include <cmath>
#include <memory>
#include <vector>

#include "graph/broadcast.h"
#include "graph/ops/nn/nn_common.h"
#include "graph/ops/nn/nn_ops.h"

namespace coreinfer::nn {
namespace {

void mean_inv_std(const float* x, int64_t n, float eps, double& mean, double& inv_std) {
  double sum = 0, sq = 0;
  for (int64_t j = 0; j < n; ++j) sum += x[j];
  mean = n ? sum / static_cast<double>(n) : 0.0;
  for (int64_t j = 0; j < n; ++j) {
    const double d = x[j] - mean;
    sq += d * d;
  }
  const double var = n ? sq / static_cast<double>(n) : 0.0;
  inv_std = 1.0 / std::sqrt(var + eps);
}

Status run_instance_norm(float eps, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "input"));
  CI_ASSIGN_OR_RETURN(const Tensor* scale, float_input(ctx, 1, "scale"));
  CI_ASSIGN_OR_RETURN(const Tensor* bias, float_input(ctx, 2, "B"));
  if (x->rank() < 3) return invalid_argument("input must have rank >= 3 ([N, C, spatial...]), got " + shape_string(x->shape()));
  const int64_t channels = x->dim(1);
  if (scale->numel() != channels || bias->numel() != channels)
    return invalid_argument("scale " + shape_string(scale->shape()) + " and B " + shape_string(bias->shape()) +
                            " must have " + std::to_string(channels) + " values");
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, ElemType::kFloat, x->shape()));
  const int64_t planes = x->dim(0) * channels, size = planes ? x->numel() / planes : 0;
  const float *xd = x->data<float>(), *sd = scale->data<float>(), *bd = bias->data<float>();
  float* yd = y->data<float>();
  ctx.parallel_for(planes, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      double mean, inv;
      mean_inv_std(xd + i * size, size, eps, mean, inv);
      const float a = static_cast<float>(sd[i % channels] * inv);
      const float c = static_cast<float>(bd[i % channels] - mean * sd[i % channels] * inv);
      for (int64_t j = 0; j < size; ++j) yd[i * size + j] = xd[i * size + j] * a + c;
    }
  });
  return Status::ok();
}

Status run_layer_norm(int64_t axis_attr, float eps, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "X"));
  CI_ASSIGN_OR_RETURN(const Tensor* scale, float_input(ctx, 1, "Scale"));
  CI_ASSIGN_OR_RETURN(const Tensor* bias, optional_float_input(ctx, 2, "B"));
  CI_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(axis_attr, x->rank()));
  const Shape norm_shape(x->shape().begin() + axis, x->shape().end());
  const int64_t size = shape_numel(norm_shape), rows = size ? x->numel() / size : 0;
  const auto check = [&](const Tensor* t, const char* name) -> Status {
    if (t == nullptr) return Status::ok();
    const Shape shapes[2] = {t->shape(), norm_shape};
    auto b = broadcast_shapes(shapes);
    if (!b.is_ok() || b.value() != norm_shape)
      return invalid_argument(std::string("input ") + name + " " + shape_string(t->shape()) +
                              " does not broadcast to the normalised shape " + shape_string(norm_shape));
    return Status::ok();
  };
  CI_RETURN_IF_ERROR(check(scale, "Scale"));
  CI_RETURN_IF_ERROR(check(bias, "B"));
  // Scale and B expanded to the normalised shape once per run (they are small).
  const auto expand = [&](const Tensor* t, float fill) {
    std::vector<float> v(static_cast<size_t>(size), fill);
    if (t == nullptr) return v;
    const auto strides = broadcast_strides(t->shape(), norm_shape);
    const float* d = t->data<float>();
    broadcast_for_each_run<1>(norm_shape, {strides}, [&](int64_t out, int64_t count, const std::array<int64_t, 1>& off,
                                                         const std::array<int64_t, 1>& inner) {
      for (int64_t i = 0; i < count; ++i) v[out + i] = d[off[0] + i * inner[0]];
    });
    return v;
  };
  const std::vector<float> sv = expand(scale, 1.0f), bv = expand(bias, 0.0f);
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, ElemType::kFloat, x->shape()));
  Shape stat_shape(x->shape().begin(), x->shape().begin() + axis);
  stat_shape.resize(x->shape().size(), 1);
  float* mean_out = nullptr;
  float* inv_out = nullptr;
  if (ctx.num_outputs() > 1) {
    CI_ASSIGN_OR_RETURN(Tensor * t, ctx.allocate_output(1, ElemType::kFloat, stat_shape));
    mean_out = t->data<float>();
  }
  if (ctx.num_outputs() > 2) {
    CI_ASSIGN_OR_RETURN(Tensor * t, ctx.allocate_output(2, ElemType::kFloat, stat_shape));
    inv_out = t->data<float>();
  }
  const float* xd = x->data<float>();
  float* yd = y->data<float>();
  ctx.parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(size, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      double mean, inv;
      mean_inv_std(xd + r * size, size, eps, mean, inv);
      if (mean_out) mean_out[r] = static_cast<float>(mean);
      if (inv_out) inv_out[r] = static_cast<float>(inv);
      const float m = static_cast<float>(mean), is = static_cast<float>(inv);
      for (int64_t j = 0; j < size; ++j) yd[r * size + j] = (xd[r * size + j] - m) * is * sv[j] + bv[j];
    }
  });
  return Status::ok();
}

Status run_lrn(int64_t size, float alpha, float beta, float bias, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "X"));
  if (x->rank() < 2) return invalid_argument("input X must have rank >= 2 ([N, C, ...]), got " + shape_string(x->shape()));
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, ElemType::kFloat, x->shape()));
  const int64_t n = x->dim(0), channels = x->dim(1), plane = (n * channels) != 0 ? x->numel() / (n * channels) : 0;
  const int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
  const float* xd = x->data<float>();
  float* yd = y->data<float>();
  ctx.parallel_for(n * channels, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t img = i / channels, c = i % channels;
      const int64_t c0 = std::max<int64_t>(0, c - lo), c1 = std::min<int64_t>(channels - 1, c + hi);
      for (int64_t j = 0; j < plane; ++j) {
        double sq = 0;
        for (int64_t cc = c0; cc <= c1; ++cc) {
          const double v = xd[(img * channels + cc) * plane + j];
          sq += v * v;
        }
        yd[i * plane + j] = static_cast<float>(xd[i * plane + j] / std::pow(bias + alpha / size * sq, beta));
      }
    }
  });
  return Status::ok();
}

// Calls fn(element, group) for every element of `shape` in row-major order, where group numbers
// the elements' positions along the non-reduced dimensions.
template <typename Fn>
void for_each_in_groups(const Shape& shape, const std::vector<int64_t>& group_strides, Fn fn) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  const int64_t n = shape_numel(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  int64_t group = 0;
  for (int64_t i = 0; i < n; ++i) {
    fn(i, group);
    for (int64_t d = rank - 1; d >= 0; --d) {
      group += group_strides[d];
      if (++idx[d] < shape[d]) break;
      group -= group_strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

// MeanVarianceNormalization: y = (x - mean) / (sqrt(var) + 1e-9) over `axes` (the ONNX function's
// epsilon), with the population variance.
Status run_mvn(const std::vector<int64_t>& axes, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "X"));
  const int64_t rank = x->rank();
  std::vector<bool> reduced(rank, false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      return invalid_argument("attribute axes has " + std::to_string(a) + ", outside the input's rank " +
                              std::to_string(rank) + " (input " + shape_string(x->shape()) + ")");
    reduced[a < 0 ? a + rank : a] = true;
  }
  std::vector<int64_t> group_strides(rank, 0);
  int64_t groups = 1;
  for (int64_t d = rank - 1; d >= 0; --d)
    if (!reduced[d]) {
      group_strides[d] = groups;
      groups *= x->dim(static_cast<int>(d));
    }
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, ElemType::kFloat, x->shape()));
  if (x->numel() == 0) return Status::ok();
  const double per_group = static_cast<double>(x->numel() / groups);
  std::vector<double> mean(groups, 0.0), var(groups, 0.0);
  const float* xd = x->data<float>();
  float* yd = y->data<float>();
  for_each_in_groups(x->shape(), group_strides, [&](int64_t i, int64_t g) { mean[g] += xd[i]; });
  for (double& m : mean) m /= per_group;
  for_each_in_groups(x->shape(), group_strides, [&](int64_t i, int64_t g) {
    const double d = xd[i] - mean[g];
    var[g] += d * d;
  });
  std::vector<double> inv(groups);
  for (int64_t g = 0; g < groups; ++g) inv[g] = 1.0 / (std::sqrt(var[g] / per_group) + 1e-9);
  for_each_in_groups(x->shape(), group_strides,
                     [&](int64_t i, int64_t g) { yd[i] = static_cast<float>((xd[i] - mean[g]) * inv[g]); });
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<OpKernel>> make_instance_norm(const OpBuildContext& ctx) {
  const float eps = ctx.attrs().get_float("epsilon", 1e-5f);
  return make_kernel([eps](OpRunContext& c) { return run_instance_norm(eps, c); });
}

Result<std::unique_ptr<OpKernel>> make_layer_norm(const OpBuildContext& ctx) {
  const int64_t axis = ctx.attrs().get_int("axis", -1);
  const float eps = ctx.attrs().get_float("epsilon", 1e-5f);
  return make_kernel([axis, eps](OpRunContext& c) { return run_layer_norm(axis, eps, c); });
}

Result<std::unique_ptr<OpKernel>> make_lrn(const OpBuildContext& ctx) {
  const int64_t size = ctx.attrs().get_int("size", 0);
  if (size < 1) return invalid_argument("attribute size must be >= 1");
  const float alpha = ctx.attrs().get_float("alpha", 1e-4f), beta = ctx.attrs().get_float("beta", 0.75f),
              bias = ctx.attrs().get_float("bias", 1.0f);
  return make_kernel([=](OpRunContext& c) { return run_lrn(size, alpha, beta, bias, c); });
}

Result<std::unique_ptr<OpKernel>> make_mean_variance_normalization(const OpBuildContext& ctx) {
  const std::vector<int64_t> axes = ctx.attrs().get_ints("axes", {0, 2, 3});
  return make_kernel([axes](OpRunContext& c) { return run_mvn(axes, c); });
}

}  // namespace coreinfer::nn
