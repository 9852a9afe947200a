#include "recurrent_test_util.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include <gtest/gtest.h>

#include "graph/ops/register.h"
#include "graph_support/single_op.h"
#include "kernels/kernel_table.h"

namespace coreinfer::rectest {

Result<std::vector<Tensor>> run_op(const OpCall& call) {
  OpRegistry registry;
  register_recurrent_ops(registry);
  return testing::run_single_op(registry, {.op = call.op, .attrs = &call.attrs, .inputs = &call.inputs,
                                           .constant = {}, .outputs = call.outputs, .opset = call.opset,
                                           .threads = call.threaded ? 3 : 0});
}

Tensor random_tensor(Shape shape, std::mt19937& rng, float lo, float hi) {
  Tensor t = Tensor::allocate(ElemType::kFloat, std::move(shape)).value();
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

double ref_activation(const RefAct& a, double x) {
  const std::string& n = a.name;
  if (n == "Relu") return x > 0 ? x : 0;
  if (n == "Tanh") return std::tanh(x);
  if (n == "Sigmoid") return 1.0 / (1.0 + std::exp(-x));
  if (n == "Affine") return a.alpha * x + a.beta;
  if (n == "LeakyRelu") return x >= 0 ? x : a.alpha * x;
  if (n == "ThresholdedRelu") return x > a.alpha ? x : 0;
  if (n == "ScaledTanh") return a.alpha * std::tanh(a.beta * x);
  if (n == "HardSigmoid") return std::max(0.0, std::min(1.0, a.alpha * x + a.beta));
  if (n == "Elu") return x >= 0 ? x : a.alpha * (std::exp(x) - 1);
  if (n == "Softsign") return x / (1 + std::fabs(x));
  if (n == "Softplus") return std::log(1 + std::exp(x));
  ADD_FAILURE() << "unknown activation " << n;
  return 0;
}

namespace {

int gates_of(Kind k) { return k == Kind::kRnn ? 1 : k == Kind::kGru ? 3 : 4; }
int dirs_of(const RefCase& c) { return c.direction == "bidirectional" ? 2 : 1; }

std::vector<RefAct> default_acts(const RefCase& c) {
  std::vector<RefAct> per;
  if (c.kind == Kind::kRnn) per = {{"Tanh"}};
  if (c.kind == Kind::kGru) per = {{"Sigmoid"}, {"Tanh"}};
  if (c.kind == Kind::kLstm) per = {{"Sigmoid"}, {"Tanh"}, {"Tanh"}};
  std::vector<RefAct> all;
  for (int d = 0; d < dirs_of(c); ++d) all.insert(all.end(), per.begin(), per.end());
  return all;
}

}  // namespace

RefInputs make_inputs(const RefCase& c, std::mt19937& rng) {
  const int64_t g = gates_of(c.kind), d = dirs_of(c);
  RefInputs in;
  in.x = random_tensor(c.layout == 0 ? Shape{c.seq, c.batch, c.input} : Shape{c.batch, c.seq, c.input}, rng, -2, 2);
  in.w = random_tensor({d, g * c.hidden, c.input}, rng, -0.8f, 0.8f);
  in.r = random_tensor({d, g * c.hidden, c.hidden}, rng, -0.8f, 0.8f);
  if (c.with_b) in.b = random_tensor({d, 2 * g * c.hidden}, rng, -0.5f, 0.5f);
  if (!c.seq_lens.empty()) in.seq_lens = Tensor::from_vector<int32_t>({c.batch}, c.seq_lens);
  const Shape state = c.layout == 0 ? Shape{d, c.batch, c.hidden} : Shape{c.batch, d, c.hidden};
  if (c.with_h0) in.h0 = random_tensor(state, rng);
  if (c.with_c0) in.c0 = random_tensor(state, rng);
  if (c.with_p) in.p = random_tensor({d, 3 * c.hidden}, rng, -0.5f, 0.5f);
  return in;
}

RefOutputs reference(const RefCase& c, const RefInputs& in) {
  const int64_t g = gates_of(c.kind), D = dirs_of(c), H = c.hidden, I = c.input;
  const std::vector<RefAct> acts = c.acts.empty() ? default_acts(c) : c.acts;
  const size_t per_dir = acts.size() / D;
  RefOutputs out;
  out.y_shape = c.layout == 0 ? Shape{c.seq, D, c.batch, H} : Shape{c.batch, c.seq, D, H};
  out.state_shape = c.layout == 0 ? Shape{D, c.batch, H} : Shape{c.batch, D, H};
  out.y.assign(c.seq * D * c.batch * H, 0.0);
  out.yh.assign(D * c.batch * H, 0.0);
  out.yc.assign(D * c.batch * H, 0.0);
  const auto X = [&](int64_t t, int64_t b, int64_t k) {
    return static_cast<double>(in.x.data<float>()[c.layout == 0 ? (t * c.batch + b) * I + k : (b * c.seq + t) * I + k]);
  };
  const auto state_at = [&](int64_t d, int64_t b) { return c.layout == 0 ? (d * c.batch + b) * H : (b * D + d) * H; };
  const auto clip = [&](double v) { return c.clip > 0 ? std::max<double>(-c.clip, std::min<double>(c.clip, v)) : v; };
  for (int64_t d = 0; d < D; ++d) {
    const float* W = in.w.data<float>() + d * g * H * I;
    const float* R = in.r.data<float>() + d * g * H * H;
    const float* B = in.b.defined() ? in.b.data<float>() + d * 2 * g * H : nullptr;
    const float* P = in.p.defined() ? in.p.data<float>() + d * 3 * H : nullptr;
    const RefAct* act = acts.data() + d * per_dir;
    const bool backward = c.direction == "reverse" || d == 1;
    for (int64_t b = 0; b < c.batch; ++b) {
      std::vector<double> h(H, 0.0), cs(H, 0.0);
      for (int64_t j = 0; j < H; ++j) {
        if (in.h0.defined()) h[j] = in.h0.data<float>()[state_at(d, b) + j];
        if (in.c0.defined()) cs[j] = in.c0.data<float>()[state_at(d, b) + j];
      }
      const int64_t len = c.seq_lens.empty() ? c.seq : c.seq_lens[b];
      for (int64_t s = 0; s < len; ++s) {
        const int64_t t = backward ? len - 1 - s : s;
        // xw[gate row], hr[gate row]: the input and recurrent products with their biases.
        std::vector<double> xw(g * H), hr(g * H);
        for (int64_t row = 0; row < g * H; ++row) {
          double a = B ? B[row] : 0.0, r = B ? B[g * H + row] : 0.0;
          for (int64_t k = 0; k < I; ++k) a += X(t, b, k) * W[row * I + k];
          for (int64_t k = 0; k < H; ++k) r += h[k] * R[row * H + k];
          xw[row] = a;
          hr[row] = r;
        }
        std::vector<double> nh(H), nc(H);
        if (c.kind == Kind::kRnn) {
          for (int64_t j = 0; j < H; ++j) nh[j] = ref_activation(act[0], clip(xw[j] + hr[j]));
        } else if (c.kind == Kind::kGru) {
          std::vector<double> z(H), rg(H);
          for (int64_t j = 0; j < H; ++j) {
            z[j] = ref_activation(act[0], clip(xw[j] + hr[j]));
            rg[j] = ref_activation(act[0], clip(xw[H + j] + hr[H + j]));
          }
          for (int64_t j = 0; j < H; ++j) {
            double pre;
            if (c.linear_before_reset) {
              pre = xw[2 * H + j] + rg[j] * hr[2 * H + j];
            } else {
              pre = xw[2 * H + j] + (B ? B[g * H + 2 * H + j] : 0.0);
              for (int64_t k = 0; k < H; ++k) pre += rg[k] * h[k] * R[(2 * H + j) * H + k];
            }
            const double cand = ref_activation(act[1], clip(pre));
            nh[j] = (1 - z[j]) * cand + z[j] * h[j];
          }
        } else {
          for (int64_t j = 0; j < H; ++j) {
            const double pi = P ? P[j] : 0, po = P ? P[H + j] : 0, pf = P ? P[2 * H + j] : 0;
            const double ig = ref_activation(act[0], clip(xw[j] + hr[j] + pi * cs[j]));
            const double fg = c.input_forget ? 1 - ig : ref_activation(act[0], clip(xw[2 * H + j] + hr[2 * H + j] + pf * cs[j]));
            const double cg = ref_activation(act[1], clip(xw[3 * H + j] + hr[3 * H + j]));
            nc[j] = fg * cs[j] + ig * cg;
            const double og = ref_activation(act[0], clip(xw[H + j] + hr[H + j] + po * nc[j]));
            nh[j] = og * ref_activation(act[2], nc[j]);
          }
          cs = nc;
        }
        h = nh;
        for (int64_t j = 0; j < H; ++j) {
          const int64_t at = c.layout == 0 ? ((t * D + d) * c.batch + b) * H : ((b * c.seq + t) * D + d) * H;
          out.y[at + j] = h[j];
        }
      }
      for (int64_t j = 0; j < H; ++j) {
        out.yh[state_at(d, b) + j] = h[j];
        out.yc[state_at(d, b) + j] = cs[j];
      }
    }
  }
  return out;
}

}  // namespace coreinfer::rectest
