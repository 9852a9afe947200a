#include "reference.h"

#include <cmath>
#include <limits>

namespace coreinfer::nntest {
namespace {

// Visits every index of `dims` in row-major order.
template <typename Fn>
void for_each_index(const std::vector<int64_t>& dims, Fn fn) {
  std::vector<int64_t> idx(dims.size(), 0);
  for (int64_t d : dims)
    if (d <= 0) return;
  while (true) {
    fn(idx);
    int i = static_cast<int>(dims.size()) - 1;
    for (; i >= 0; --i) {
      if (++idx[i] < dims[i]) break;
      idx[i] = 0;
    }
    if (i < 0) return;
  }
}

int64_t flat(const std::vector<int64_t>& idx, const std::vector<int64_t>& dims) {
  int64_t o = 0;
  for (size_t i = 0; i < dims.size(); ++i) o = o * dims[i] + idx[i];
  return o;
}

std::vector<int64_t> defaults(const std::vector<int64_t>& v, size_t n, int64_t fill) {
  return v.empty() ? std::vector<int64_t>(n, fill) : v;
}

}  // namespace

RefResult ref_conv(const Tensor& x, const Tensor& w, const Tensor* bias, int64_t group, const RefWindow& win) {
  const size_t nd = x.shape().size() - 2;
  const auto strides = defaults(win.strides, nd, 1), dil = defaults(win.dilations, nd, 1);
  const auto pads = defaults(win.pads, 2 * nd, 0);
  const int64_t n = x.dim(0), c = x.dim(1), m = w.dim(0), cg = w.dim(1), mg = m / group;
  std::vector<int64_t> in(x.shape().begin() + 2, x.shape().end()), k(w.shape().begin() + 2, w.shape().end()), out(nd);
  for (size_t d = 0; d < nd; ++d) out[d] = (in[d] + pads[d] + pads[d + nd] - ((k[d] - 1) * dil[d] + 1)) / strides[d] + 1;
  RefResult r;
  r.shape = {n, m};
  for (int64_t o : out) r.shape.push_back(o);
  const int64_t total = shape_numel(r.shape);
  r.values.assign(total, 0);
  r.scale.assign(total, 0);
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  int64_t oi = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < m; ++oc) {
      const int64_t g = oc / mg;
      for_each_index(out, [&](const std::vector<int64_t>& o) {
        double sum = bias ? bias->data<float>()[oc] : 0.0, mag = std::fabs(sum);
        for (int64_t ic = 0; ic < cg; ++ic)
          for_each_index(k, [&](const std::vector<int64_t>& kk) {
            std::vector<int64_t> pos(nd);
            for (size_t d = 0; d < nd; ++d) {
              pos[d] = o[d] * strides[d] - pads[d] + kk[d] * dil[d];
              if (pos[d] < 0 || pos[d] >= in[d]) return;
            }
            const double xv = xd[(b * c + g * cg + ic) * shape_numel(in) + flat(pos, in)];
            const double wv = wd[(oc * cg + ic) * shape_numel(k) + flat(kk, k)];
            sum += xv * wv;
            mag += std::fabs(xv * wv);
          });
        r.values[oi] = static_cast<float>(sum);
        r.scale[oi] = static_cast<float>(mag);
        ++oi;
      });
    }
  return r;
}

RefResult ref_conv_transpose(const Tensor& x, const Tensor& w, const Tensor* bias, int64_t group,
                             const RefWindow& win, const std::vector<int64_t>& output_padding) {
  const size_t nd = x.shape().size() - 2;
  const auto strides = defaults(win.strides, nd, 1), dil = defaults(win.dilations, nd, 1);
  const auto pads = defaults(win.pads, 2 * nd, 0), opad = defaults(output_padding, nd, 0);
  const int64_t n = x.dim(0), c = x.dim(1), cg = c / group, mg = w.dim(1), m = mg * group;
  std::vector<int64_t> in(x.shape().begin() + 2, x.shape().end()), k(w.shape().begin() + 2, w.shape().end()), out(nd);
  for (size_t d = 0; d < nd; ++d)
    out[d] = strides[d] * (in[d] - 1) + opad[d] + (k[d] - 1) * dil[d] + 1 - pads[d] - pads[d + nd];
  RefResult r;
  r.shape = {n, m};
  for (int64_t o : out) r.shape.push_back(o);
  const int64_t total = shape_numel(r.shape), out_size = shape_numel(out);
  std::vector<double> sum(total, 0), mag(total, 0);
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ic = 0; ic < c; ++ic) {
      const int64_t g = ic / cg;
      for_each_index(in, [&](const std::vector<int64_t>& i) {
        const double xv = xd[(b * c + ic) * shape_numel(in) + flat(i, in)];
        for (int64_t ocg = 0; ocg < mg; ++ocg)
          for_each_index(k, [&](const std::vector<int64_t>& kk) {
            std::vector<int64_t> pos(nd);
            for (size_t d = 0; d < nd; ++d) {
              pos[d] = i[d] * strides[d] - pads[d] + kk[d] * dil[d];
              if (pos[d] < 0 || pos[d] >= out[d]) return;
            }
            const double wv = wd[(ic * mg + ocg) * shape_numel(k) + flat(kk, k)];
            const int64_t oi = (b * m + g * mg + ocg) * out_size + flat(pos, out);
            sum[oi] += xv * wv;
            mag[oi] += std::fabs(xv * wv);
          });
      });
    }
  r.values.resize(total);
  r.scale.resize(total);
  for (int64_t i = 0; i < total; ++i) {
    const double bv = bias ? bias->data<float>()[(i / out_size) % m] : 0.0;
    r.values[i] = static_cast<float>(sum[i] + bv);
    r.scale[i] = static_cast<float>(mag[i] + std::fabs(bv));
  }
  return r;
}

RefResult ref_pool(const Tensor& x, const std::string& kind, const RefWindow& win, bool ceil_mode,
                   bool count_include_pad, double p) {
  const size_t nd = x.shape().size() - 2;
  const auto strides = defaults(win.strides, nd, 1), dil = defaults(win.dilations, nd, 1);
  const auto pads = defaults(win.pads, 2 * nd, 0);
  const auto& k = win.kernel;
  std::vector<int64_t> in(x.shape().begin() + 2, x.shape().end()), out(nd);
  for (size_t d = 0; d < nd; ++d) {
    const double span = static_cast<double>(in[d] + pads[d] + pads[d + nd] - ((k[d] - 1) * dil[d] + 1));
    out[d] = static_cast<int64_t>(ceil_mode ? std::ceil(span / strides[d]) : std::floor(span / strides[d])) + 1;
    if (ceil_mode && (out[d] - 1) * strides[d] >= in[d] + pads[d]) --out[d];
  }
  RefResult r;
  r.shape = {x.dim(0), x.dim(1)};
  for (int64_t o : out) r.shape.push_back(o);
  const float* xd = x.data<float>();
  const int64_t planes = x.dim(0) * x.dim(1), in_size = shape_numel(in);
  for (int64_t pl = 0; pl < planes; ++pl)
    for_each_index(out, [&](const std::vector<int64_t>& o) {
      double best = -std::numeric_limits<double>::infinity(), sum = 0, mag = 0;
      int64_t valid = 0, padded = 0;
      for_each_index(k, [&](const std::vector<int64_t>& kk) {
        std::vector<int64_t> pos(nd);
        bool inside = true, in_pad = true;
        for (size_t d = 0; d < nd; ++d) {
          pos[d] = o[d] * strides[d] - pads[d] + kk[d] * dil[d];
          inside = inside && pos[d] >= 0 && pos[d] < in[d];
          in_pad = in_pad && pos[d] >= -pads[d] && pos[d] < in[d] + pads[d + nd];
        }
        padded += in_pad;
        if (!inside) return;
        ++valid;
        const double v = xd[pl * in_size + flat(pos, in)];
        best = std::max(best, v);
        sum += kind == "lp" ? std::pow(std::fabs(v), p) : v;
        mag += std::fabs(v);
      });
      if (kind == "max") {
        r.values.push_back(static_cast<float>(best));
        r.scale.push_back(0);
      } else if (kind == "avg") {
        const int64_t cnt = count_include_pad ? padded : valid;
        r.values.push_back(static_cast<float>(sum / cnt));
        r.scale.push_back(static_cast<float>(mag / cnt));
      } else {
        r.values.push_back(static_cast<float>(std::pow(sum, 1.0 / p)));
        r.scale.push_back(static_cast<float>(std::pow(sum, 1.0 / p)));
      }
    });
  return r;
}

RefResult ref_gemm(const Tensor& a, const Tensor& b, const Tensor* c, bool trans_a, bool trans_b, float alpha,
                   float beta) {
  const int64_t m = trans_a ? a.dim(1) : a.dim(0), k = trans_a ? a.dim(0) : a.dim(1);
  const int64_t n = trans_b ? b.dim(0) : b.dim(1);
  RefResult r;
  r.shape = {m, n};
  const float* ad = a.data<float>();
  const float* bd = b.data<float>();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0, mag = 0;
      for (int64_t p = 0; p < k; ++p) {
        const double av = trans_a ? ad[p * m + i] : ad[i * k + p];
        const double bv = trans_b ? bd[j * k + p] : bd[p * n + j];
        sum += av * bv;
        mag += std::fabs(av * bv);
      }
      sum *= alpha;
      mag *= std::fabs(alpha);
      if (c) {
        const Shape& cs = c->shape();
        int64_t ci = 0;
        if (cs.size() == 1) ci = cs[0] == 1 ? 0 : j;
        if (cs.size() == 2) ci = (cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j);
        const double cv = beta * c->data<float>()[ci];
        sum += cv;
        mag += std::fabs(cv);
      }
      r.values.push_back(static_cast<float>(sum));
      r.scale.push_back(static_cast<float>(mag));
    }
  return r;
}

RefResult ref_matmul(const Tensor& a, const Tensor& b) {
  Shape as = a.shape(), bs = b.shape();
  const bool av = as.size() == 1, bv = bs.size() == 1;
  if (av) as.insert(as.begin(), 1);
  if (bv) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  const size_t rank = std::max(as.size(), bs.size());
  while (as.size() < rank) as.insert(as.begin(), 1);
  while (bs.size() < rank) bs.insert(bs.begin(), 1);
  Shape batch(rank - 2);
  for (size_t d = 0; d + 2 < rank; ++d) batch[d] = std::max(as[d], bs[d]);
  RefResult r;
  r.shape = batch;
  if (!av) r.shape.push_back(m);
  if (!bv) r.shape.push_back(n);
  const Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  for_each_index(batch.empty() ? std::vector<int64_t>{1} : batch, [&](const std::vector<int64_t>& idx) {
    int64_t oa = 0, ob = 0;
    for (size_t d = 0; d < batch.size(); ++d) {
      oa = oa * a_batch[d] + (a_batch[d] == 1 ? 0 : idx[d]);
      ob = ob * b_batch[d] + (b_batch[d] == 1 ? 0 : idx[d]);
    }
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0, mag = 0;
        for (int64_t p = 0; p < k; ++p) {
          const double x = a.data<float>()[oa * m * k + i * k + p], y = b.data<float>()[ob * k * n + p * n + j];
          sum += x * y;
          mag += std::fabs(x * y);
        }
        r.values.push_back(static_cast<float>(sum));
        r.scale.push_back(static_cast<float>(mag));
      }
  });
  return r;
}

}  // namespace coreinfer::nntest
