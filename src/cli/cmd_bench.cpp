// coreinfer bench: prompt-processing and generation speed, and the fraction of the
// memory-bandwidth bound that generation reaches (bandwidth measured in the same run).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/model_loading.h"
#include "ops/memory_bandwidth.h"

namespace coreinfer::cli {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Bytes one decode step streams from memory: every weight matrix the forward pass multiplies
// by (the token embedding only when it doubles as the output head), plus the KV cache read
// at the mean position of the run.
double bytes_per_token(const llm::LlamaModel& model, int n_ctx_mean) {
  const llm::ModelConfig& c = model.config();
  double bytes = 0;
  const gguf::GgufFile& f = model.file();
  const bool tied = f.find_tensor("output.weight") == nullptr;
  for (const gguf::TensorInfo& t : f.tensors()) {
    if (t.name == "token_embd.weight" && !tied) continue;
    bytes += static_cast<double>(t.bytes);
  }
  bytes += 2.0 * static_cast<double>(c.n_layers * c.kv_dim()) * sizeof(float) * n_ctx_mean;
  return bytes;
}

}  // namespace

int run_bench(const BenchOptions& o) {
  auto loaded = load_llm(o.model, o.common, o.n_prompt + o.n_gen, 1, WithTokenizer::kNo);
  if (!loaded.is_ok()) return fail(loaded.status().message());
  LlmSession& s = **loaded;
  const llm::ModelConfig& c = s.model->config();

  uint64_t state = 42;
  auto random_token = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int32_t>((state >> 33) % static_cast<uint64_t>(c.vocab_size));
  };
  std::vector<float> logits(static_cast<size_t>(c.vocab_size));
  // Without memory for the probe (a tight container) the speeds are still measured.
  auto probe = ops::BandwidthProbe::create(*s.ctx);
  if (!probe.is_ok())
    std::fprintf(stderr, "warning: no memory-bandwidth probe (%s): bandwidth and bound fraction reported as 0\n",
                 probe.status().message().c_str());
  // Generation continues the prompt, as in a request, so it attends to n_prompt + i positions.
  const double per_token = bytes_per_token(*s.model, o.n_prompt + o.n_gen / 2);
  // Each repeat's generation rate is set against the bandwidth measured right after it.
  std::vector<double> pp, tg, bws, fractions;
  for (int r = 0; r < o.repeats + 1; ++r) {  // the first round warms up and is not counted
    std::vector<llm::BatchToken> batch;
    for (int i = 0; i < o.n_prompt; ++i) batch.push_back({random_token(), i, 0, i + 1 == o.n_prompt});
    auto t0 = std::chrono::steady_clock::now();
    Status st = s.model->forward(*s.ctx, batch, *s.cache, s.buffers, logits.data());
    if (!st.is_ok()) return fail(st.to_string());
    const double t_pp = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < o.n_gen; ++i) {
      const llm::BatchToken t{random_token(), o.n_prompt + i, 0, true};
      st = s.model->forward(*s.ctx, std::span<const llm::BatchToken>(&t, 1), *s.cache, s.buffers, logits.data());
      if (!st.is_ok()) return fail(st.to_string());
    }
    const double t_tg = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double gbs = probe.is_ok() ? probe->measure(*s.ctx) : 0.0;
    if (r == 0) continue;
    pp.push_back(o.n_prompt / t_pp);
    tg.push_back(o.n_gen / t_tg);
    bws.push_back(gbs);
    fractions.push_back(gbs > 0 ? o.n_gen / t_tg / (gbs * 1e9 / per_token) : 0.0);
  }
  const double pp_tps = median(pp), tg_tps = median(tg), bandwidth = median(bws);
  const double bound_tps = bandwidth * 1e9 / per_token;
  const double fraction = median(fractions);
  const int threads = s.pool->size();

  if (o.json) {
    nlohmann::json j = {{"model", o.model},
                        {"params", s.model->parameter_count()},
                        {"model_bytes_per_token", per_token},
                        {"threads", threads},
                        {"kernels", kernels::isa_name(kernels::active().isa)},
                        {"n_prompt", o.n_prompt},
                        {"n_gen", o.n_gen},
                        {"repeats", o.repeats},
                        {"pp_tps", pp_tps},
                        {"tg_tps", tg_tps},
                        {"bandwidth_gbs", bandwidth},
                        {"bound_tps", bound_tps},
                        {"bound_fraction", fraction}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("model: %s (%.1f M parameters, %.1f MiB streamed per generated token)\n", o.model.c_str(),
              static_cast<double>(s.model->parameter_count()) / 1e6, per_token / (1024.0 * 1024.0));
  std::printf("threads: %d, kernels: %s, median of %d runs\n\n", threads, kernels::isa_name(kernels::active().isa),
              o.repeats);
  std::printf("| test        | tokens/s   |\n|-------------|------------|\n");
  std::printf("| pp%-9d | %10.2f |\n| tg%-9d | %10.2f |\n\n", o.n_prompt, pp_tps, o.n_gen, tg_tps);
  std::printf("memory read bandwidth: %.2f GB/s (median, measured after each run) -> generation bound %.2f tokens/s\n",
              bandwidth, bound_tps);
  std::printf("generation reaches %.1f%% of the memory-bandwidth bound (median of the runs' ratios)\n",
              100.0 * fraction);
  return 0;
}

}  // namespace coreinfer::cli
