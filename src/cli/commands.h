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
  int max_tokens = 0;
  int64_t max_body_bytes = 0;
  int http_threads = 0;
  double timeout_seconds = 0;
  double grace_seconds = -1;
  bool mmap_weights = false;
  std::string chat_template;
  std::string log_format = "text";
};
int run_serve(const ServeOptions& o);

// "coreinfer: <message>" on stderr; returns 1.
int fail(const std::string& message);

}  // namespace coreinfer::cli
