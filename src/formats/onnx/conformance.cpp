#include "formats/onnx/conformance.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "formats/onnx/onnx_model.h"
#include "formats/onnx/onnx_tensor_io.h"
#include "graph/session.h"

namespace coreinfer {

namespace fs = std::filesystem;

namespace {

std::string format_index(const Shape& shape, int64_t flat) {
  Shape idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return shape_string(idx);
}

// Tolerances from the case's meta.json (tests/data/onnx layout): case-level and per output name.
struct CaseTolerance {
  Tolerance base;
  std::map<std::string, Tolerance> per_output;
  Tolerance for_output(const std::string& name) const {
    auto it = per_output.find(name);
    return it == per_output.end() ? base : it->second;
  }
};

CaseTolerance read_tolerance(const fs::path& dir, const ConformanceOptions& o) {
  CaseTolerance t;
  std::ifstream in(dir / "meta.json");
  if (in) {
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_discarded() && j.contains("tolerance") && j["tolerance"].is_object()) {
      const auto& tj = j["tolerance"];
      t.base.rtol = tj.value("rtol", t.base.rtol);
      t.base.atol = tj.value("atol", t.base.atol);
      if (tj.contains("per_output") && tj["per_output"].is_object())
        for (const auto& [name, v] : tj["per_output"].items())
          if (v.is_object()) t.per_output[name] = Tolerance{v.value("rtol", t.base.rtol), v.value("atol", t.base.atol)};
    }
  }
  auto apply = [&](Tolerance& x) {
    if (o.rtol) x.rtol = *o.rtol;
    if (o.atol) x.atol = *o.atol;
  };
  apply(t.base);
  for (auto& [n, x] : t.per_output) apply(x);
  return t;
}

std::vector<fs::path> sorted_files(const fs::path& dir, const std::string& prefix) {
  std::vector<std::pair<int, fs::path>> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || e.path().extension() != ".pb") continue;
    try {
      files.emplace_back(std::stoi(name.substr(prefix.size())), e.path());
    } catch (const std::exception&) {
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<fs::path> out;
  for (auto& f : files) out.push_back(f.second);
  return out;
}

}  // namespace

Status compare_tensors(const Tensor& actual, const Tensor& expected, const Tolerance& tol) {
  if (actual.type() != expected.type())
    return invalid_argument(std::string("type ") + elem_type_name(actual.type()) + ", expected " +
                            elem_type_name(expected.type()));
  if (actual.shape() != expected.shape())
    return invalid_argument("shape " + shape_string(actual.shape()) + ", expected " + shape_string(expected.shape()));
  CI_ASSIGN_OR_RETURN(std::vector<double> a, actual.to_double_vector());
  CI_ASSIGN_OR_RETURN(std::vector<double> e, expected.to_double_vector());
  const bool exact = actual.type() != ElemType::kFloat && actual.type() != ElemType::kDouble &&
                     actual.type() != ElemType::kFloat16 && actual.type() != ElemType::kBFloat16;
  int64_t bad = 0, first = -1, worst = -1;
  double worst_excess = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    bool ok;
    double excess = 0;
    if (exact) {
      ok = a[i] == e[i];
      excess = std::fabs(a[i] - e[i]);
    } else if (std::isnan(e[i]) || std::isnan(a[i])) {
      ok = std::isnan(e[i]) && std::isnan(a[i]);
      excess = ok ? 0 : INFINITY;
    } else if (std::isinf(e[i]) || std::isinf(a[i])) {
      ok = a[i] == e[i];
      excess = ok ? 0 : INFINITY;
    } else {
      const double diff = std::fabs(a[i] - e[i]);
      const double allowed = tol.atol + tol.rtol * std::fabs(e[i]);
      ok = diff <= allowed;
      excess = diff - allowed;
    }
    if (ok) continue;
    ++bad;
    if (first < 0) first = static_cast<int64_t>(i);
    if (worst < 0 || excess > worst_excess) {
      worst = static_cast<int64_t>(i);
      worst_excess = excess;
    }
  }
  if (bad == 0) return Status::ok();
  char buf[320];
  std::snprintf(buf, sizeof buf, "%lld of %lld elements differ (rtol %g, atol %g); worst at %s: got %.9g, expected %.9g",
                static_cast<long long>(bad), static_cast<long long>(a.size()), tol.rtol, tol.atol,
                format_index(actual.shape(), worst).c_str(), a[worst], e[worst]);
  return invalid_argument(buf);
}

CaseResult run_conformance_case(const std::string& dir_str, const OpRegistry& registry,
                                const ConformanceOptions& options) {
  const fs::path dir(dir_str);
  CaseResult r;
  r.name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  auto fail = [&](std::string why) {
    r.outcome = CaseResult::Outcome::kFailed;
    r.detail = std::move(why);
    return r;
  };
  auto graph = load_onnx_model((dir / "model.onnx").string());
  if (!graph.is_ok()) {
    if (graph.status().code() == StatusCode::kUnsupported) {
      r.outcome = CaseResult::Outcome::kSkipped;
      r.detail = graph.status().message();
      return r;
    }
    return fail(graph.status().to_string());
  }
  const auto missing = unsupported_ops(*graph, registry);
  if (!missing.empty()) {
    r.outcome = CaseResult::Outcome::kSkipped;
    r.detail = "unsupported operator " + missing.front();
    for (size_t i = 1; i < missing.size(); ++i) r.detail += ", " + missing[i];
    return r;
  }
  std::vector<std::string> output_names;
  for (const ValueInfo& vi : graph->outputs) output_names.push_back(vi.name);
  std::vector<ValueInfo> inputs = graph->inputs;
  SessionOptions so;
  so.threads = options.threads;
  so.optimize = options.optimize;
  auto session = Session::create(std::move(graph).value(), registry, so);
  if (!session.is_ok()) {
    if (session.status().code() == StatusCode::kUnsupported) {
      r.outcome = CaseResult::Outcome::kSkipped;
      r.detail = session.status().message();
      return r;
    }
    return fail(session.status().to_string());
  }
  const CaseTolerance tol = read_tolerance(dir, options);

  std::vector<fs::path> sets;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(e.path());
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) return fail("no test_data_set_N folder");
  for (const fs::path& set : sets) {
    const std::string set_name = set.filename().string();
    std::vector<NamedTensor> feeds;
    const auto in_files = sorted_files(set, "input_");
    for (size_t k = 0; k < in_files.size(); ++k) {
      auto t = read_tensor_file(in_files[k].string());
      if (!t.is_ok()) return fail(set_name + ": " + t.status().to_string());
      // Named inputs go by name; unnamed ones by position among the graph inputs.
      std::string name = t->first;
      if (name.empty() || std::none_of(inputs.begin(), inputs.end(), [&](const ValueInfo& v) { return v.name == name; }))
        name = k < inputs.size() ? inputs[k].name : name;
      // ONNX's older test data stores bfloat16 tensors as their uint16 bit patterns.
      for (const ValueInfo& v : inputs)
        if (v.name == name && v.type == ElemType::kBFloat16 && t->second.type() == ElemType::kUint16)
          t->second = std::move(t->second.reinterpreted(ElemType::kBFloat16)).value();
      feeds.emplace_back(name, std::move(t->second));
    }
    auto outs = (*session)->run(feeds);
    if (!outs.is_ok()) {
      if (outs.status().code() == StatusCode::kUnsupported) {
        r.outcome = CaseResult::Outcome::kSkipped;
        r.detail = outs.status().message();
        return r;
      }
      return fail(set_name + ": " + outs.status().to_string());
    }
    const auto out_files = sorted_files(set, "output_");
    if (out_files.size() != outs->size())
      return fail(set_name + ": the model gave " + std::to_string(outs->size()) + " outputs, the data set has " +
                  std::to_string(out_files.size()));
    for (size_t k = 0; k < out_files.size(); ++k) {
      auto expected = read_tensor_file(out_files[k].string());
      if (!expected.is_ok()) return fail(set_name + ": " + expected.status().to_string());
      if ((*outs)[k].type() == ElemType::kBFloat16 && expected->second.type() == ElemType::kUint16)
        expected->second = std::move(expected->second.reinterpreted(ElemType::kBFloat16)).value();
      Status st = compare_tensors((*outs)[k], expected->second, tol.for_output(output_names[k]));
      if (!st.is_ok()) return fail(set_name + ": output " + std::to_string(k) + " '" + output_names[k] + "': " + st.message());
    }
    ++r.data_sets;
  }
  r.outcome = CaseResult::Outcome::kPassed;
  return r;
}

}  // namespace coreinfer
