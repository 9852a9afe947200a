// BatchNormalization: y = (x - mean) / sqrt(var + eps) * scale + B per channel, as one
// multiply-add per element with the per-channel factors computed once when constant.
// training_mode=1 (opset >= 14) normalises with the batch's own mean and (population) variance
// and outputs running_mean/var = input * momentum + batch statistic * (1 - momentum).
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "graph/ops/nn/nn_common.h"
#include "graph/ops/nn/nn_ops.h"

namespace coreinfer::nn {
namespace {

// factor[c] = scale / sqrt(var + eps), shift[c] = B - mean * factor.
Status channel_affine(const Tensor* const params[4], int64_t channels, float eps, std::vector<float>& factor,
                      std::vector<float>& shift) {
  static const char* kNames[4] = {"scale", "B", "input_mean", "input_var"};
  for (int i = 0; i < 4; ++i) {
    if (params[i]->type() != ElemType::kFloat)
      return unsupported(std::string("input ") + kNames[i] + " must be float32");
    if (params[i]->numel() != channels || params[i]->rank() != 1)
      return invalid_argument(std::string("input ") + kNames[i] + " must have shape [" + std::to_string(channels) +
                              "], got " + shape_string(params[i]->shape()));
  }
  factor.resize(channels);
  shift.resize(channels);
  const float *s = params[0]->data<float>(), *b = params[1]->data<float>(), *mean = params[2]->data<float>(),
              *var = params[3]->data<float>();
  for (int64_t c = 0; c < channels; ++c) {
    factor[c] = static_cast<float>(s[c] / std::sqrt(static_cast<double>(var[c]) + eps));
    shift[c] = b[c] - mean[c] * factor[c];
  }
  return Status::ok();
}

class BatchNormKernel final : public OpKernel {
 public:
  static Result<std::unique_ptr<OpKernel>> create(const OpBuildContext& ctx) {
    auto k = std::unique_ptr<BatchNormKernel>(new BatchNormKernel());
    k->eps_ = ctx.attrs().get_float("epsilon", 1e-5f);
    if (ctx.attrs().get_int("training_mode", 0) != 0) {
      if (ctx.opset < 14)
        return unsupported("BatchNormalization training_mode needs opset >= 14, the model has " +
                           std::to_string(ctx.opset));
      k->training_ = true;
      k->momentum_ = ctx.attrs().get_float("momentum", 0.9f);
      for (size_t i = 1; i < 3; ++i) k->want_running_[i - 1] = i < ctx.node.outputs.size() && !ctx.node.outputs[i].empty();
      return std::unique_ptr<OpKernel>(std::move(k));
    }
    if (ctx.opset >= 14) {
      for (size_t i = 1; i < ctx.node.outputs.size(); ++i)
        if (!ctx.node.outputs[i].empty())
          return invalid_argument("BatchNormalization outputs running_mean/running_var need training_mode=1");
    }
    if (ctx.opset < 9 && ctx.attrs().get_int("spatial", 1) == 0)
      return unsupported("BatchNormalization with spatial=0 is not supported");
    if (ctx.opset < 14 && ctx.node.outputs.size() > 1) {
      for (size_t i = 1; i < ctx.node.outputs.size(); ++i)
        if (!ctx.node.outputs[i].empty())
          return unsupported("BatchNormalization training outputs (mean, var, saved statistics) are not supported");
    }
    const Tensor* params[4] = {ctx.constant(1), ctx.constant(2), ctx.constant(3), ctx.constant(4)};
    if (params[0] && params[1] && params[2] && params[3]) {
      CI_RETURN_IF_ERROR(channel_affine(params, params[0]->numel(), k->eps_, k->factor_, k->shift_));
      k->constant_ = true;
    }
    return std::unique_ptr<OpKernel>(std::move(k));
  }

  Status run(OpRunContext& ctx) override {
    CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "X"));
    if (x->rank() < 2) return invalid_argument("input X must have rank >= 2 ([N, C, ...]), got " + shape_string(x->shape()));
    const int64_t channels = x->dim(1);
    std::vector<float> factor_rt, shift_rt;
    const std::vector<float>* factor = &factor_;
    const std::vector<float>* shift = &shift_;
    if (training_) {
      CI_RETURN_IF_ERROR(batch_statistics(ctx, *x, factor_rt, shift_rt));
      factor = &factor_rt;
      shift = &shift_rt;
    } else if (!constant_) {
      const Tensor* params[4];
      static const char* kNames[4] = {"scale", "B", "input_mean", "input_var"};
      for (int i = 0; i < 4; ++i) {
        CI_ASSIGN_OR_RETURN(params[i], float_input(ctx, i + 1, kNames[i]));
      }
      CI_RETURN_IF_ERROR(channel_affine(params, channels, eps_, factor_rt, shift_rt));
      factor = &factor_rt;
      shift = &shift_rt;
    } else if (static_cast<int64_t>(factor_.size()) != channels) {
      return invalid_argument("input X has " + std::to_string(channels) + " channels, the parameters have " +
                              std::to_string(factor_.size()));
    }
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, ElemType::kFloat, x->shape()));
    const int64_t planes = x->dim(0) * channels, size = channels ? x->numel() / std::max<int64_t>(planes, 1) : 0;
    const float* xd = x->data<float>();
    float* yd = y->data<float>();
    const float* f = factor->data();
    const float* s = shift->data();
    ctx.parallel_for(planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(size, 1)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const float a = f[i % channels], c = s[i % channels];
        const float* xp = xd + i * size;
        float* yp = yd + i * size;
        for (int64_t j = 0; j < size; ++j) yp[j] = xp[j] * a + c;
      }
    });
    return Status::ok();
  }

 private:
  BatchNormKernel() = default;

  // Training mode: the per-channel factors from the batch mean and variance of x, and the
  // running_mean / running_var outputs.
  Status batch_statistics(OpRunContext& ctx, const Tensor& x, std::vector<float>& factor, std::vector<float>& shift) {
    const int64_t channels = x.dim(1);
    const Tensor* params[4];
    static const char* kNames[4] = {"scale", "B", "input_mean", "input_var"};
    for (int i = 0; i < 4; ++i) {
      CI_ASSIGN_OR_RETURN(params[i], float_input(ctx, i + 1, kNames[i]));
      if (params[i]->numel() != channels || params[i]->rank() != 1)
        return invalid_argument(std::string("input ") + kNames[i] + " must have shape [" + std::to_string(channels) +
                                "], got " + shape_string(params[i]->shape()));
    }
    const int64_t batch = x.dim(0), size = channels ? x.numel() / std::max<int64_t>(batch * channels, 1) : 0;
    const int64_t count = batch * size;
    std::vector<double> mean(channels, 0.0), var(channels, 0.0);
    const float* xd = x.data<float>();
    ctx.parallel_for(channels, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        double sum = 0, sq = 0;
        for (int64_t n = 0; n < batch; ++n)
          for (int64_t j = 0; j < size; ++j) sum += xd[(n * channels + c) * size + j];
        const double m = count ? sum / static_cast<double>(count) : 0.0;
        for (int64_t n = 0; n < batch; ++n)
          for (int64_t j = 0; j < size; ++j) {
            const double d = xd[(n * channels + c) * size + j] - m;
            sq += d * d;
          }
        mean[c] = m;
        var[c] = count ? sq / static_cast<double>(count) : 0.0;
      }
    });
    factor.resize(channels);
    shift.resize(channels);
    const float *s = params[0]->data<float>(), *b = params[1]->data<float>();
    for (int64_t c = 0; c < channels; ++c) {
      const double f = s[c] / std::sqrt(var[c] + eps_);
      factor[c] = static_cast<float>(f);
      shift[c] = static_cast<float>(b[c] - mean[c] * f);
    }
    const double mom = momentum_;
    for (int i = 0; i < 2; ++i) {
      if (!want_running_[i] || static_cast<size_t>(i + 1) >= ctx.num_outputs()) continue;
      CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(i + 1, ElemType::kFloat, {channels}));
      const float* in = params[2 + i]->data<float>();
      const std::vector<double>& stat = i == 0 ? mean : var;
      for (int64_t c = 0; c < channels; ++c)
        out->data<float>()[c] = static_cast<float>(in[c] * mom + stat[c] * (1.0 - mom));
    }
    return Status::ok();
  }

  float eps_ = 1e-5f;
  bool training_ = false;
  float momentum_ = 0.9f;
  bool want_running_[2] = {false, false};
  bool constant_ = false;
  std::vector<float> factor_, shift_;
};

}  // namespace

Result<std::unique_ptr<OpKernel>> make_batch_norm(const OpBuildContext& ctx) { return BatchNormKernel::create(ctx); }

}  // namespace coreinfer::nn
