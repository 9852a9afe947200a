// The subcommands of the coreinfer binary. Each returns the process exit code and prints
// errors a user can cause as one line on stderr.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace coreinfer::cli {

struct CommonOptions {
  int threads = 0;  // 0: the CPUs this process may use
  bool mmap_weights = false;  // use weights in place from the file map instead of huge pages
  bool fp32_activations = false;  // keep decode activations in fp32 (no 8-bit activation path)
};

struct RunOptions {
  CommonOptions common;
  std::string model;
  std::string prompt;
  int n_predict = 128;
  float temperature = 0.8f;
  int top_k = 40;
  float top_p = 0.95f;
  float min_p = 0.05f;
  float repeat_penalty = 1.0f;
  uint64_t seed = 0;
  bool seed_set = false;
  bool ignore_eos = false;
  int64_t ctx_size = 0;  // 0: min(model context, 4096)
  std::string chat_template;  // chat: format name when the model has no template
  std::string system_prompt;  // chat
};
int run_generate(const RunOptions& o);
int run_chat(const RunOptions& o);

struct TokenizeOptions {
  std::string model;
  bool no_bos = false;
  bool parse_special = false;
};
int run_tokenize(const TokenizeOptions& o);

struct InfoOptions {
  std::string model;
  bool cpu = false;
};
int run_info(const InfoOptions& o);

struct BenchOptions {
  CommonOptions common;
  std::string model;
  int n_prompt = 128;
  int n_gen = 64;
  int repeats = 3;
  bool json = false;
};
int run_bench(const BenchOptions& o);

struct ServeOptions {
  std::string host;                // "": 127.0.0.1 (or the config file's)
  int port = -1;                   // -1: 8080 (or the config file's); 0: any free port
  std::vector<std::string> models;  // NAME=PATH
  std::string config_file;
  std::string api_key;
  int threads = 0;
  std::string cpus;
  int64_t ctx_size = 0;
  int parallel = 0;
  int queue_size = -1;
  int max_batch_size = 0;
  int64_t max_queue_delay_us = -1;
  int max_tokens = 0;
  int64_t max_body_bytes = 0;
  int http_threads = 0;
  double timeout_seconds = 0;
  double grace_seconds = -1;
  bool mmap_weights = false;
  bool fp32_activations = false;
  int64_t kv_cache_tokens = 0;
  std::string chat_template;
  std::string log_format = "text";
};
int run_serve(const ServeOptions& o);

// ONNX models (built with COREINFER_BUILD_ONNX).
struct GraphRunOptions {
  int threads = 0;
  std::string model;
  std::vector<std::string> inputs;  // NAME=FILE.pb|.npy (NAME may be left out for a one-input model)
  std::string output_dir;
  std::string image;                // classify this image
  std::string labels;               // one label per line
  int top = 5;
  // Image preprocessing (defaults: ImageNet).
  int resize = 256;                 // shorter side; 0: no resize
  int crop = 224;                   // centre crop; 0: none
  std::vector<double> mean{0.485, 0.456, 0.406};
  std::vector<double> std{0.229, 0.224, 0.225};
  double scale = 1.0 / 255.0;
  std::string layout = "nchw";
  bool no_optimize = false;
};
int run_graph(const GraphRunOptions& o);

struct ConformanceCliOptions {
  std::vector<std::string> dirs;
  double rtol = -1, atol = -1;  // < 0: defaults / meta.json
  int threads = 1;
  bool no_optimize = false;
  bool quiet = false;  // only failures and the totals
  std::string known_failures;  // file: "case_name  reason" lines; those failures are reported, not counted
};
int run_conformance(const ConformanceCliOptions& o);

struct GraphBenchOptions {
  int threads = 0;
  std::string model;
  std::vector<int> batches{1};
  std::vector<std::string> inputs;
  int repeats = 0;        // 0: as many as fit in ~2 s per batch size (at least 5)
  bool json = false;
  bool profile = false;   // per-operator time on stderr after each batch size
};
int run_graph_bench(const GraphBenchOptions& o);

// True when `path` names an ONNX model (by extension).
inline bool is_onnx_path(const std::string& path) {
  return path.size() >= 5 && path.compare(path.size() - 5, 5, ".onnx") == 0;
}

// "coreinfer: <message>" on stderr; returns 1.
int fail(const std::string& message);

}  // namespace coreinfer::cli
