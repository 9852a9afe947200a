// coreinfer: the command-line entry point. Parses flags (CLI11) and hands over to a subcommand.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "core/log.h"

namespace coreinfer::cli {

int fail(const std::string& message) {
  std::fprintf(stderr, "coreinfer: %s\n", message.c_str());
  return 1;
}

namespace {

void add_sampling_flags(CLI::App* cmd, RunOptions& o) {
  cmd->add_option("-m,--model", o.model, "model file: GGUF (LLM) or .onnx")->required();
  cmd->add_option("-t,--threads", o.common.threads, "compute threads (default: the CPUs this process may use)")
      ->check(CLI::Range(1, 4096));
  cmd->add_flag("--mmap-weights", o.common.mmap_weights,
                "use the weights in place from the file map (less memory, slower) instead of copying them");
  cmd->add_flag("--fp32-activations", o.common.fp32_activations,
                "keep activations in fp32 when multiplying by quantised weights (slower; default: 8-bit)");
  cmd->add_option("--temp", o.temperature, "sampling temperature; 0 is greedy")->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--top-k", o.top_k, "keep the k most likely tokens (0: off)")->check(CLI::Range(0, 1 << 30));
  cmd->add_option("--top-p", o.top_p, "nucleus sampling threshold (1: off)")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--min-p", o.min_p, "drop tokens below min-p times the top probability (0: off)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--repeat-penalty", o.repeat_penalty, "penalty for recently seen tokens (1: off)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--seed", o.seed, "random seed (default: from the clock)")->each([&o](const std::string&) {
    o.seed_set = true;
  });
  cmd->add_option("-c,--ctx-size", o.ctx_size, "context size in tokens (default: min(model, 4096))")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
}

void add_graph_run_flags(CLI::App* cmd, GraphRunOptions& g) {
  cmd->add_option("--input", g.inputs, "ONNX: NAME=FILE.pb|.npy input tensor (repeatable)");
  cmd->add_option("--output-dir", g.output_dir, "ONNX: write each output as DIR/<name>.pb");
  cmd->add_option("--image", g.image, "ONNX: classify this JPEG/PNG/BMP image");
  cmd->add_option("--labels", g.labels, "ONNX: class labels, one per line");
  cmd->add_option("--top", g.top, "ONNX: how many classes to print")->check(CLI::Range(1, 100000));
  cmd->add_option("--resize", g.resize, "ONNX image: shorter side after resizing (0: keep)")->check(CLI::Range(0, 16384));
  cmd->add_option("--crop", g.crop, "ONNX image: centre crop size (0: none)")->check(CLI::Range(0, 16384));
  cmd->add_option("--mean", g.mean, "ONNX image: per-channel mean after scaling")->delimiter(',')->expected(1, 3);
  cmd->add_option("--std", g.std, "ONNX image: per-channel std after scaling")->delimiter(',')->expected(1, 3);
  cmd->add_option("--scale", g.scale, "ONNX image: pixel scale before mean/std (default 1/255)");
  cmd->add_option("--layout", g.layout, "ONNX image: nchw or nhwc")->check(CLI::IsMember({"nchw", "nhwc"}));
  cmd->add_flag("--no-optimize", g.no_optimize, "ONNX: run the graph as written (no folding or fusion)");
}

}  // namespace
}  // namespace coreinfer::cli

int main(int argc, char** argv) {
  using namespace coreinfer::cli;
  CLI::App app{"coreinfer: fast LLM inference on CPUs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "coreinfer 0.1.0");
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "debug, info, warn, error or off")->check(
      CLI::IsMember({"debug", "info", "warn", "error", "off"}));

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "generate text from a prompt (text on stdout, timing on stderr)");
  add_sampling_flags(run_cmd, run);
  run_cmd->add_option("-p,--prompt", run.prompt, "the prompt (GGUF models)");
  GraphRunOptions graph_run;
  add_graph_run_flags(run_cmd, graph_run);
  run_cmd->add_option("-n,--n-predict", run.n_predict, "tokens to generate")->check(CLI::Range(0, 1 << 24));
  run_cmd->add_flag("--ignore-eos", run.ignore_eos, "keep generating after an end-of-generation token");

  RunOptions chat;
  CLI::App* chat_cmd = app.add_subcommand("chat", "interactive chat with the model's chat template");
  add_sampling_flags(chat_cmd, chat);
  chat_cmd->add_option("-n,--n-predict", chat.n_predict, "maximum tokens per answer")->check(CLI::Range(1, 1 << 24));
  chat_cmd->add_option("--chat-template", chat.chat_template,
                       "chat format, overriding the model's template: llama2, llama3, mistral-v1, chatml, ...");
  chat_cmd->add_option("-s,--system", chat.system_prompt, "system prompt");

  TokenizeOptions tok;
  CLI::App* tok_cmd = app.add_subcommand("tokenize", "read UTF-8 text from stdin, print token ids");
  tok_cmd->add_option("-m,--model", tok.model, "GGUF model file")->required();
  tok_cmd->add_flag("--no-bos", tok.no_bos, "do not add the BOS token");
  tok_cmd->add_flag("--parse-special", tok.parse_special, "turn control-token text into control tokens");

  InfoOptions info;
  CLI::App* info_cmd = app.add_subcommand("info", "model metadata and tensors, or the CPU and its kernels");
  info_cmd->add_option("model", info.model, "GGUF model file");
  info_cmd->add_flag("--cpu", info.cpu, "print the CPU features and the kernel chosen for each op");

  BenchOptions bench;
  CLI::App* bench_cmd = app.add_subcommand("bench", "prompt and generation speed against the memory-bandwidth bound");
  bench_cmd->add_option("-m,--model", bench.model, "GGUF model file")->required();
  bench_cmd->add_option("-t,--threads", bench.common.threads, "compute threads")->check(CLI::Range(1, 4096));
  bench_cmd->add_flag("--mmap-weights", bench.common.mmap_weights, "use the weights in place from the file map");
  bench_cmd->add_flag("--fp32-activations", bench.common.fp32_activations,
                      "keep activations in fp32 when multiplying by quantised weights");
  bench_cmd->add_option("-p,--n-prompt", bench.n_prompt, "prompt tokens")->check(CLI::Range(1, 1 << 16));
  bench_cmd->add_option("-n,--n-gen", bench.n_gen, "generated tokens")->check(CLI::Range(1, 1 << 16));
  bench_cmd->add_option("-r,--repeats", bench.repeats, "repetitions (the median is reported)")->check(CLI::Range(1, 100));
  bench_cmd->add_flag("--json", bench.json, "print one JSON object (ONNX: one per batch size)");
  GraphBenchOptions graph_bench;
  bench_cmd->add_option("--batch", graph_bench.batches, "ONNX: batch sizes, e.g. 1,8,32")
      ->delimiter(',')->check(CLI::Range(1, 1 << 20));
  bench_cmd->add_option("--input", graph_bench.inputs, "ONNX: NAME=FILE.pb|.npy input (batch tiled or cut)");
  bench_cmd->add_flag("--profile", graph_bench.profile,
                      "ONNX: time per operator type and the slowest nodes, on stderr");

  ConformanceCliOptions conf;
  CLI::App* conf_cmd = app.add_subcommand("conformance", "run ONNX test directories (model.onnx + test_data_set_N)");
  conf_cmd->add_option("dirs", conf.dirs, "test directories")->required();
  conf_cmd->add_option("--rtol", conf.rtol, "relative tolerance (default 1e-3, or the case's meta.json)")
      ->check(CLI::Range(0.0, 1e9));
  conf_cmd->add_option("--atol", conf.atol, "absolute tolerance (default 1e-7, or the case's meta.json)")
      ->check(CLI::Range(0.0, 1e9));
  conf_cmd->add_option("-t,--threads", conf.threads, "compute threads (default 1)")->check(CLI::Range(1, 4096));
  conf_cmd->add_flag("--no-optimize", conf.no_optimize, "run the graph as written (no folding or fusion)");
  conf_cmd->add_flag("-q,--quiet", conf.quiet, "print only failures and the totals");
  conf_cmd->add_option("--known-failures", conf.known_failures,
                       "file of 'case reason' lines: those cases may fail (XFAIL) without failing the run");

#if defined(COREINFER_WITH_SERVER)  // built without the server (COREINFER_BUILD_SERVER=OFF): no serve
  ServeOptions serve;
  CLI::App* serve_cmd = app.add_subcommand("serve", "HTTP inference server: OpenAI and KServe v2 APIs, metrics");
  serve_cmd->add_option("--host", serve.host, "address to listen on (default 127.0.0.1: this machine only)");
  serve_cmd->add_option("--port", serve.port, "port (default 8080; 0 picks a free one)")->check(CLI::Range(0, 65535));
  serve_cmd->add_option("--model", serve.models, "NAME=PATH of a model to serve (repeatable; default: the bundled model)");
  serve_cmd->add_option("--config", serve.config_file, "YAML file: models and their settings, limits, API keys");
  serve_cmd->add_option("--api-key", serve.api_key, "require 'Authorization: Bearer KEY' (also COREINFER_API_KEY)");
  serve_cmd->add_option("-t,--threads", serve.threads, "compute threads per model")->check(CLI::Range(1, 4096));
  serve_cmd->add_option("--cpus", serve.cpus, "cores to pin the models' threads to, e.g. 0-3,8");
  serve_cmd->add_option("-c,--ctx-size", serve.ctx_size, "context per sequence in tokens (default: min(model, 4096))")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  serve_cmd->add_option("--kv-cache-tokens", serve.kv_cache_tokens,
                         "positions in the KV cache shared by a model's sequences (default: parallel x ctx-size)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  serve_cmd->add_option("--parallel", serve.parallel, "sequences decoded together per model (default 4)")
      ->check(CLI::Range(1, 256));
  serve_cmd->add_option("--queue-size", serve.queue_size, "requests that may wait per model; more get 429 (default 64)")
      ->check(CLI::Range(0, 100000));
  serve_cmd->add_option("--max-batch-size", serve.max_batch_size,
                        "ONNX models: requests stacked into one run, in rows of the batch dimension (default 8)")
      ->check(CLI::Range(1, 65536));
  serve_cmd->add_option("--max-queue-delay-us", serve.max_queue_delay_us,
                        "ONNX models: the longest a request waits for others to batch with (default 2000)")
      ->check(CLI::Range(int64_t{0}, int64_t{10'000'000}));
  serve_cmd->add_option("--max-tokens", serve.max_tokens, "the most tokens a request may generate (default 4096)")
      ->check(CLI::Range(1, 1 << 24));
  serve_cmd->add_option("--max-body-bytes", serve.max_body_bytes, "largest request body (default 8 MiB)")
      ->check(CLI::Range(int64_t{1024}, int64_t{1} << 34));
  serve_cmd->add_option("--http-threads", serve.http_threads, "connection threads (default 64)")->check(CLI::Range(1, 4096));
  serve_cmd->add_option("--timeout", serve.timeout_seconds, "per-request time limit in seconds (default 600)")
      ->check(CLI::Range(0.001, 1e9));
  serve_cmd->add_option("--grace-period", serve.grace_seconds, "seconds to let requests finish on SIGTERM (default 30)")
      ->check(CLI::Range(0.0, 1e6));
  serve_cmd->add_flag("--mmap-weights", serve.mmap_weights, "use the weights in place from the file map");
  serve_cmd->add_flag("--fp32-activations", serve.fp32_activations,
                      "keep activations in fp32 when multiplying by quantised weights");
  serve_cmd->add_option("--chat-template", serve.chat_template, "chat format for models without one (default chatml)");
  serve_cmd->add_option("--log-format", serve.log_format, "text or json (one JSON object per line)")
      ->check(CLI::IsMember({"text", "json"}));
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "coreinfer: %s\n", e.what());
    std::fprintf(stderr, "run 'coreinfer %s--help' for usage\n",
                 app.get_subcommands().empty() ? "" : (app.get_subcommands()[0]->get_name() + " ").c_str());
    return 2;
  }
  coreinfer::log::Level level;
  if (coreinfer::log::parse_level(log_level, &level)) coreinfer::log::set_level(level);
  // The server logs one line per request at info level unless told otherwise.
#if defined(COREINFER_WITH_SERVER)
  if (*serve_cmd && app.count("--log-level") == 0) coreinfer::log::set_level(coreinfer::log::Level::kInfo);
#endif

  if (*run_cmd && is_onnx_path(run.model)) {
#if defined(COREINFER_WITH_ONNX)
    graph_run.model = run.model;
    graph_run.threads = run.common.threads;
    return run_graph(graph_run);
#else
    return fail("this coreinfer was built without ONNX support (COREINFER_BUILD_ONNX=OFF)");
#endif
  }
  if (*run_cmd && run.prompt.empty()) return fail("run needs a prompt (-p) for a GGUF model");
  if (*run_cmd) return run_generate(run);
  if (*chat_cmd) return run_chat(chat);
  if (*tok_cmd) return run_tokenize(tok);
  if (*info_cmd) {
    if (!info.cpu && info.model.empty()) return fail("info needs a model file, or --cpu");
    return run_info(info);
  }
  if (*bench_cmd && is_onnx_path(bench.model)) {
#if defined(COREINFER_WITH_ONNX)
    graph_bench.model = bench.model;
    graph_bench.threads = bench.common.threads;
    graph_bench.json = bench.json;
    if (bench_cmd->count("--repeats") > 0) graph_bench.repeats = bench.repeats;  // else ~2 s per batch size
    return run_graph_bench(graph_bench);
#else
    return fail("this coreinfer was built without ONNX support (COREINFER_BUILD_ONNX=OFF)");
#endif
  }
  if (*bench_cmd) return run_bench(bench);
  if (*conf_cmd) {
#if defined(COREINFER_WITH_ONNX)
    return run_conformance(conf);
#else
    return fail("this coreinfer was built without ONNX support (COREINFER_BUILD_ONNX=OFF)");
#endif
  }
#if defined(COREINFER_WITH_SERVER)
  if (*serve_cmd) return run_serve(serve);
#endif
  return fail("unknown command");
}
