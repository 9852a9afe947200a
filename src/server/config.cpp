#include "server/config.h"

#include <cctype>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

namespace coreinfer::server {
namespace {

template <typename T>
Status read_scalar(const YAML::Node& node, const std::string& key, T& out) {
  try {
    out = node.as<T>();
    return Status::ok();
  } catch (const YAML::Exception&) {
    return invalid_argument("config: '" + key + "' has the wrong type");
  }
}

Status read_cpus(const YAML::Node& node, const std::string& key, std::vector<int>& out) {
  if (node.IsSequence()) {
    out.clear();
    for (const auto& n : node) {
      int c = 0;
      CI_RETURN_IF_ERROR(read_scalar(n, key, c));
      out.push_back(c);
    }
    return Status::ok();
  }
  std::string text;
  CI_RETURN_IF_ERROR(read_scalar(node, key, text));
  CI_ASSIGN_OR_RETURN(out, parse_cpu_list(text));
  return Status::ok();
}

Status read_model(const std::string& name, const YAML::Node& node, ModelSpec& m) {
  m.name = name;
  if (node.IsScalar()) return read_scalar(node, "models." + name, m.path);
  if (!node.IsMap()) return invalid_argument("config: models." + name + " must be a path or a map");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string where = "models." + name + "." + key;
    const YAML::Node& v = kv.second;
    if (key == "path") CI_RETURN_IF_ERROR(read_scalar(v, where, m.path));
    else if (key == "threads") CI_RETURN_IF_ERROR(read_scalar(v, where, m.threads));
    else if (key == "cpus") CI_RETURN_IF_ERROR(read_cpus(v, where, m.cpus));
    else if (key == "mmap_weights") CI_RETURN_IF_ERROR(read_scalar(v, where, m.mmap_weights));
    else if (key == "fp32_activations") CI_RETURN_IF_ERROR(read_scalar(v, where, m.fp32_activations));
    else if (key == "ctx_size") CI_RETURN_IF_ERROR(read_scalar(v, where, m.ctx_size));
    else if (key == "kv_cache_tokens") CI_RETURN_IF_ERROR(read_scalar(v, where, m.kv_cache_tokens));
    else if (key == "parallel") CI_RETURN_IF_ERROR(read_scalar(v, where, m.parallel));
    else if (key == "queue_size") CI_RETURN_IF_ERROR(read_scalar(v, where, m.queue_size));
    else if (key == "prefill_chunk") CI_RETURN_IF_ERROR(read_scalar(v, where, m.prefill_chunk));
    else if (key == "max_decode_batch") CI_RETURN_IF_ERROR(read_scalar(v, where, m.max_decode_batch));
    else if (key == "max_prompt_tokens") CI_RETURN_IF_ERROR(read_scalar(v, where, m.max_prompt_tokens));
    else if (key == "max_output_tokens") CI_RETURN_IF_ERROR(read_scalar(v, where, m.max_output_tokens));
    else if (key == "chat_template") CI_RETURN_IF_ERROR(read_scalar(v, where, m.chat_template));
    else if (key == "max_batch_size") CI_RETURN_IF_ERROR(read_scalar(v, where, m.max_batch_size));
    else if (key == "max_queue_delay_us") CI_RETURN_IF_ERROR(read_scalar(v, where, m.max_queue_delay_us));
    else return invalid_argument("config: unknown key '" + where + "'");
  }
  if (m.path.empty()) return invalid_argument("config: models." + name + " needs a 'path'");
  return Status::ok();
}

}  // namespace

Result<std::vector<int>> parse_cpu_list(const std::string& text) {
  std::vector<int> out;
  size_t i = 0;
  auto bad = [&] { return invalid_argument("bad CPU list '" + text + "' (expected e.g. 0-3,8)"); };
  auto number = [&](int* v) {
    if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    long n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i++] - '0');
      if (n > 4095) return false;
    }
    *v = static_cast<int>(n);
    return true;
  };
  while (i < text.size()) {
    int a = 0, b = 0;
    if (!number(&a)) return bad();
    b = a;
    if (i < text.size() && text[i] == '-') {
      ++i;
      if (!number(&b) || b < a) return bad();
    }
    for (int c = a; c <= b; ++c) out.push_back(c);
    if (i < text.size()) {
      if (text[i] != ',') return bad();
      ++i;
    }
  }
  if (out.empty()) return bad();
  return out;
}

Result<ModelSpec> parse_model_flag(const std::string& text) {
  ModelSpec m;
  const size_t eq = text.find('=');
  if (eq == std::string::npos) {
    m.path = text;
    m.name = std::filesystem::path(text).stem().string();
  } else {
    m.name = text.substr(0, eq);
    m.path = text.substr(eq + 1);
  }
  if (m.name.empty() || m.path.empty()) return invalid_argument("--model wants NAME=PATH, got '" + text + "'");
  return m;
}

Status load_config_file(const std::string& path, ServeConfig& c) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return not_found("cannot read the config file " + path);
  } catch (const YAML::Exception& e) {
    return invalid_argument("config " + path + ": " + e.what());
  }
  if (root.IsNull()) return Status::ok();
  if (!root.IsMap()) return invalid_argument("config " + path + ": the top level must be a map");
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "host") CI_RETURN_IF_ERROR(read_scalar(v, key, c.host));
    else if (key == "port") CI_RETURN_IF_ERROR(read_scalar(v, key, c.port));
    else if (key == "max_body_bytes") CI_RETURN_IF_ERROR(read_scalar(v, key, c.max_body_bytes));
    else if (key == "http_threads") CI_RETURN_IF_ERROR(read_scalar(v, key, c.http_threads));
    else if (key == "request_timeout_seconds") CI_RETURN_IF_ERROR(read_scalar(v, key, c.request_timeout_seconds));
    else if (key == "grace_period_seconds") CI_RETURN_IF_ERROR(read_scalar(v, key, c.grace_period_seconds));
    else if (key == "api_keys") {
      if (!v.IsSequence()) return invalid_argument("config: 'api_keys' must be a list");
      for (const auto& k : v) {
        std::string s;
        CI_RETURN_IF_ERROR(read_scalar(k, key, s));
        c.api_keys.push_back(s);
      }
    } else if (key == "models") {
      if (!v.IsMap()) return invalid_argument("config: 'models' must be a map of name to path or settings");
      for (const auto& m : v) {
        ModelSpec spec;
        CI_RETURN_IF_ERROR(read_model(m.first.as<std::string>(), m.second, spec));
        c.models.push_back(spec);
      }
    } else {
      return invalid_argument("config " + path + ": unknown key '" + key + "'");
    }
  }
  return Status::ok();
}

bool ModelSpec::is_tensor_model() const {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ext == ".onnx";
}

Status validate_config(const ServeConfig& c) {
  if (c.port < 0 || c.port > 65535) return invalid_argument("port must be 0..65535");
  if (c.http_threads < 1 || c.http_threads > 4096) return invalid_argument("http_threads must be 1..4096");
  if (c.max_body_bytes < 1024) return invalid_argument("max_body_bytes must be at least 1024");
  std::set<std::string> names;
  for (const ModelSpec& m : c.models) {
    const std::string w = "model '" + m.name + "': ";
    if (!names.insert(m.name).second) return invalid_argument("two models are named '" + m.name + "'");
    if (m.parallel < 1 || m.parallel > 256) return invalid_argument(w + "parallel must be 1..256");
    if (m.queue_size < 0 || m.queue_size > 100000) return invalid_argument(w + "queue_size must be 0..100000");
    if (m.prefill_chunk < 1) return invalid_argument(w + "prefill_chunk must be >= 1");
    if (m.max_decode_batch < 1) return invalid_argument(w + "max_decode_batch must be >= 1");
    if (m.threads < 0 || m.threads > 4096) return invalid_argument(w + "threads must be 0..4096");
    if (m.ctx_size < 0) return invalid_argument(w + "ctx_size must be >= 0");
    if (m.kv_cache_tokens < 0) return invalid_argument(w + "kv_cache_tokens must be >= 0");
    if (m.max_output_tokens < 1) return invalid_argument(w + "max_output_tokens must be >= 1");
    if (m.max_prompt_tokens < 0) return invalid_argument(w + "max_prompt_tokens must be >= 0");
    if (m.max_batch_size < 1 || m.max_batch_size > 65536) return invalid_argument(w + "max_batch_size must be 1..65536");
    if (m.max_queue_delay_us < 0 || m.max_queue_delay_us > 10'000'000) {
      return invalid_argument(w + "max_queue_delay_us must be 0..10000000 (10 s)");
    }
  }
  return Status::ok();
}

}  // namespace coreinfer::server
