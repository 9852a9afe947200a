// coreinfer bench -m MODEL.onnx --batch 1,8,32: latency percentiles and throughput per batch size.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/graph_model.h"

namespace coreinfer::cli {

namespace {

// An input of the declared shape with dim 0 = batch (symbolic dims other than 0 become 1).
Result<Tensor> random_input(const ValueInfo& vi, int batch, std::mt19937& rng) {
  if (!vi.has_shape) return invalid_argument("input '" + vi.name + "' has no declared shape; give it with --input");
  Shape shape = vi.shape;
  for (size_t d = 0; d < shape.size(); ++d)
    if (d == 0) shape[d] = batch;
    else if (shape[d] < 0) shape[d] = 1;
  CI_ASSIGN_OR_RETURN(Tensor t, Tensor::allocate(vi.type == ElemType::kUndefined ? ElemType::kFloat : vi.type, shape));
  std::uniform_real_distribution<float> uf(-1.0f, 1.0f);
  std::uniform_int_distribution<int> u8(0, 255);
  switch (t.type()) {
    case ElemType::kFloat: for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = uf(rng); break;
    case ElemType::kUint8: for (int64_t i = 0; i < t.numel(); ++i) t.data<uint8_t>()[i] = static_cast<uint8_t>(u8(rng)); break;
    case ElemType::kInt8: for (int64_t i = 0; i < t.numel(); ++i) t.data<int8_t>()[i] = static_cast<int8_t>(u8(rng) - 128); break;
    default: break;  // integer ids: zeros are valid indices
  }
  return t;
}

// The given tensor with its dim 0 tiled or cut to `batch`.
Result<Tensor> rebatch(const Tensor& t, int batch) {
  if (t.rank() == 0 || t.dim(0) == batch) return t;
  if (t.dim(0) == 0) return invalid_argument("an --input tensor has an empty batch dimension");
  Shape shape = t.shape();
  shape[0] = batch;
  CI_ASSIGN_OR_RETURN(Tensor out, Tensor::allocate(t.type(), shape));
  const size_t row = t.bytes() / static_cast<size_t>(t.dim(0));
  for (int b = 0; b < batch; ++b)
    std::memcpy(static_cast<char*>(out.raw()) + b * row, static_cast<const char*>(t.raw()) + (b % t.dim(0)) * row, row);
  return out;
}

// Time per run by operator type, then the slowest nodes, from the session's profile.
void print_profile(const Session& session, int batch) {
  const std::vector<Session::NodeProfile> nodes = session.profile();
  struct Row { std::string op; double seconds = 0; int nodes = 0; };
  std::vector<Row> by_op;
  double total = 0;
  int64_t runs = 1;
  for (const auto& n : nodes) {
    auto it = std::find_if(by_op.begin(), by_op.end(), [&](const Row& r) { return r.op == n.op_type; });
    if (it == by_op.end()) it = by_op.insert(by_op.end(), Row{n.op_type});
    it->seconds += n.seconds;
    ++it->nodes;
    total += n.seconds;
    runs = std::max(runs, n.calls);
  }
  std::sort(by_op.begin(), by_op.end(), [](const Row& a, const Row& b) { return a.seconds > b.seconds; });
  std::fprintf(stderr, "profile, batch %d (%lld runs; ms per run):\n%-28s %6s %10s %7s\n", batch,
               static_cast<long long>(runs), "op", "nodes", "ms", "share");
  for (const Row& r : by_op)
    std::fprintf(stderr, "%-28s %6d %10.3f %6.1f%%\n", r.op.c_str(), r.nodes, 1e3 * r.seconds / runs,
                 total > 0 ? 100 * r.seconds / total : 0.0);
  std::vector<Session::NodeProfile> top = nodes;
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.seconds > b.seconds; });
  top.resize(std::min<size_t>(top.size(), 10));
  std::fprintf(stderr, "slowest nodes:\n");
  for (const auto& n : top)
    std::fprintf(stderr, "  %-40s %-20s %10.3f ms\n", n.name.c_str(), n.op_type.c_str(), 1e3 * n.seconds / runs);
}

}  // namespace

int run_graph_bench(const GraphBenchOptions& o) {
  auto session = load_graph_session(o.model, o.threads, true);
  if (!session.is_ok()) return fail(session.status().to_string());
  auto given = read_named_inputs(o.inputs, **session);
  if (!given.is_ok()) return fail(given.status().to_string());
  std::mt19937 rng(42);
  for (int batch : o.batches) {
    std::vector<NamedTensor> feeds;
    for (const ValueInfo& vi : (*session)->inputs()) {
      auto it = std::find_if(given->begin(), given->end(), [&](const NamedTensor& t) { return t.first == vi.name; });
      auto t = it != given->end() ? rebatch(it->second, batch) : random_input(vi, batch, rng);
      if (!t.is_ok()) return fail(t.status().to_string());
      feeds.emplace_back(vi.name, std::move(t).value());
    }
    using clock = std::chrono::steady_clock;
    auto warm = (*session)->run(feeds);  // warm-up (first-touch allocations)
    if (!warm.is_ok()) return fail("batch " + std::to_string(batch) + ": " + warm.status().to_string());
    std::vector<double> ms;
    if (o.profile) (*session)->set_profiling(true);  // timed runs only
    const auto start = clock::now();
    while (true) {
      const auto t0 = clock::now();
      auto r = (*session)->run(feeds);
      if (!r.is_ok()) return fail(r.status().to_string());
      ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
      const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
      if (o.repeats > 0 ? static_cast<int>(ms.size()) >= o.repeats : (ms.size() >= 5 && elapsed > 2.0)) break;
    }
    if (o.profile) {
      (*session)->set_profiling(false);
      print_profile(**session, batch);
    }
    std::vector<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    auto pct = [&](double q) { return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * (sorted.size() - 1) + 0.5))]; };
    double total = 0;
    for (double v : ms) total += v;
    const double items_per_s = batch * ms.size() / (total / 1000.0);
    if (o.json) {
      const nlohmann::json j = {{"model", o.model},   {"batch", batch},         {"threads", (*session)->threads()},
                                {"runs", ms.size()},  {"p50_ms", pct(0.5)},     {"p90_ms", pct(0.9)},
                                {"items_per_s", items_per_s}};
      std::printf("%s\n", j.dump().c_str());
    } else
      std::printf("batch %d: p50 %.3f ms, p90 %.3f ms, %.1f items/s (%zu runs, %d threads)\n", batch, pct(0.5), pct(0.9),
                  items_per_s, ms.size(), (*session)->threads());
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace coreinfer::cli
