// coreinfer serve: the HTTP inference server (see docs/serving.md).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "cli/commands.h"
#include "core/log.h"
#include "server/config.h"
#include "server/server.h"

namespace coreinfer::cli {
namespace {

constexpr const char* kDefaultModel = "assets/models/stories260K.gguf";
constexpr const char* kApiKeyVariable = "COREINFER_API_KEY";

// The bundled model: relative to the working directory, else to the checkout the binary
// was built in (build/<preset>/coreinfer -> ../../assets).
std::string default_model_path() {
  if (std::filesystem::exists(kDefaultModel)) return kDefaultModel;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (std::filesystem::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      if (std::filesystem::exists(dir / kDefaultModel)) return (dir / kDefaultModel).string();
    }
  }
  return kDefaultModel;
}

}  // namespace

int run_serve(const ServeOptions& o) {
  server::ServeConfig config;
  if (!o.config_file.empty()) {
    if (Status s = server::load_config_file(o.config_file, config); !s.is_ok()) return fail(s.message());
  }
  if (!o.host.empty()) config.host = o.host;
  if (o.port >= 0) config.port = o.port;
  for (const std::string& m : o.models) {
    auto spec = server::parse_model_flag(m);
    if (!spec.is_ok()) return fail(spec.status().message());
    config.models.push_back(*spec);
  }
  if (config.models.empty()) {
    server::ModelSpec spec;
    spec.path = default_model_path();
    spec.name = std::filesystem::path(spec.path).stem().string();
    config.models.push_back(spec);
  }
  std::vector<int> cpus;
  if (!o.cpus.empty()) {
    auto parsed = server::parse_cpu_list(o.cpus);
    if (!parsed.is_ok()) return fail(parsed.status().message());
    cpus = *parsed;
  }
  // Flags override the file's per-model settings for every model.
  for (server::ModelSpec& m : config.models) {
    if (o.threads > 0) m.threads = o.threads;
    if (!cpus.empty()) m.cpus = cpus;
    if (o.ctx_size > 0) m.ctx_size = o.ctx_size;
    if (o.kv_cache_tokens > 0) m.kv_cache_tokens = o.kv_cache_tokens;
    if (o.parallel > 0) m.parallel = o.parallel;
    if (o.queue_size >= 0) m.queue_size = o.queue_size;
    if (o.max_tokens > 0) m.max_output_tokens = o.max_tokens;
    if (o.max_batch_size > 0) m.max_batch_size = o.max_batch_size;
    if (o.max_queue_delay_us >= 0) m.max_queue_delay_us = o.max_queue_delay_us;
    if (o.mmap_weights) m.mmap_weights = true;
    if (o.fp32_activations) m.fp32_activations = true;
    if (!o.chat_template.empty()) m.chat_template = o.chat_template;
    if (!std::filesystem::exists(m.path)) return fail("model '" + m.name + "': no such file " + m.path);
  }
  if (!o.api_key.empty()) config.api_keys.push_back(o.api_key);
  if (const char* env = std::getenv(kApiKeyVariable); env && *env) config.api_keys.emplace_back(env);
  if (o.max_body_bytes > 0) config.max_body_bytes = static_cast<size_t>(o.max_body_bytes);
  if (o.http_threads > 0) config.http_threads = o.http_threads;
  if (o.timeout_seconds > 0) config.request_timeout_seconds = o.timeout_seconds;
  if (o.grace_seconds >= 0) config.grace_period_seconds = o.grace_seconds;
  if (o.log_format == "json") log::set_format(log::Format::kJson);
  if (Status s = server::validate_config(config); !s.is_ok()) return fail(s.message());
  return server::run_server(config);
}

}  // namespace coreinfer::cli
