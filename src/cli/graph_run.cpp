// coreinfer run -m MODEL.onnx: tensors in and out (--input/--output-dir) or an image classified.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "cli/commands.h"
#include "cli/graph_model.h"
#include "formats/onnx/onnx_tensor_io.h"
#include "cli/graph_image.h"

namespace coreinfer::cli {

namespace {

std::vector<std::string> read_labels(const std::string& path) {
  std::vector<std::string> labels;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  return labels;
}

// "rank index probability label" for the top classes of a [1, C] (or [C]) score tensor. Scores
// that are not already probabilities (outside [0,1] or not summing to 1) go through a softmax.
int print_top_classes(const Tensor& scores, const GraphRunOptions& o) {
  if (scores.type() != ElemType::kFloat || scores.numel() == 0)
    return fail("the model's first output is not a float tensor of class scores");
  const float* s = scores.data<float>();
  const int64_t n = scores.numel() / std::max<int64_t>(1, scores.rank() > 0 ? scores.dim(0) : 1);
  std::vector<double> p(s, s + n);
  const double sum = std::accumulate(p.begin(), p.end(), 0.0);
  const bool probabilities = std::all_of(p.begin(), p.end(), [](double v) { return v >= 0 && v <= 1; }) &&
                             std::fabs(sum - 1.0) < 1e-3;
  if (!probabilities) {
    const double mx = *std::max_element(p.begin(), p.end());
    double z = 0;
    for (double& v : p) z += (v = std::exp(v - mx));
    for (double& v : p) v /= z;
  }
  std::vector<int64_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  const int64_t k = std::min<int64_t>(o.top, n);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                    [&](int64_t a, int64_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
  const auto labels = o.labels.empty() ? std::vector<std::string>{} : read_labels(o.labels);
  for (int64_t r = 0; r < k; ++r) {
    const int64_t c = idx[r];
    std::printf("%lld %lld %.6f %s\n", static_cast<long long>(r + 1), static_cast<long long>(c), p[c],
                c < static_cast<int64_t>(labels.size()) ? labels[c].c_str() : "");
  }
  return 0;
}

}  // namespace

int run_graph(const GraphRunOptions& o) {
  if (o.image.empty() && o.inputs.empty()) return fail("run with an ONNX model needs --image FILE or --input NAME=FILE");
  if (!o.labels.empty() && !std::filesystem::exists(o.labels)) return fail("labels file '" + o.labels + "' not found");
  auto session = load_graph_session(o.model, o.threads, !o.no_optimize);
  if (!session.is_ok()) return fail(session.status().to_string());
  auto feeds = read_named_inputs(o.inputs, **session);
  if (!feeds.is_ok()) return fail(feeds.status().to_string());
  if (!o.image.empty()) {
    auto image_feed = image_input(o, **session);
    if (!image_feed.is_ok()) return fail(image_feed.status().to_string());
    feeds->push_back(std::move(image_feed).value());
  }
  auto outputs = (*session)->run(*feeds);
  if (!outputs.is_ok()) return fail(outputs.status().to_string());
  const auto& infos = (*session)->outputs();
  if (!o.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.output_dir, ec);
    for (size_t k = 0; k < outputs->size(); ++k) {
      std::string file = infos[k].name;
      std::replace_if(file.begin(), file.end(), [](char c) { return c == '/' || c == '\\' || c == ':'; }, '_');
      const std::string path = (std::filesystem::path(o.output_dir) / (file + ".pb")).string();
      Status st = write_tensor_pb(path, infos[k].name, (*outputs)[k]);
      if (!st.is_ok()) return fail(st.to_string());
      std::fprintf(stderr, "wrote %s %s %s\n", path.c_str(), elem_type_name((*outputs)[k].type()),
                   shape_string((*outputs)[k].shape()).c_str());
    }
  }
  if (!o.image.empty()) return print_top_classes((*outputs)[0], o);
  if (o.output_dir.empty())
    for (size_t k = 0; k < outputs->size(); ++k)
      std::printf("%s %s %s\n", infos[k].name.c_str(), elem_type_name((*outputs)[k].type()),
                  shape_string((*outputs)[k].shape()).c_str());
  return 0;
}

}  // namespace coreinfer::cli
