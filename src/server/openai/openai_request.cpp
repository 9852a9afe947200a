#include "server/openai/openai_request.h"

#include <cmath>
#include <limits>

#include "server/json_util.h"

namespace coreinfer::server::openai {
namespace {

using nlohmann::json;

// A field reader that records the first error.
class Fields {
 public:
  explicit Fields(const json& body) : body_(body) {}
  std::optional<ApiError> error;

  const json* get(const char* name) {
    auto it = body_.find(name);
    if (it == body_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  void fail(const std::string& param, const std::string& message) {
    if (!error) error = bad_request(message, param);
  }
  void number(const char* name, float lo, float hi, float& out) {
    const json* v = get(name);
    if (!v) return;
    if (!v->is_number()) return fail(name, std::string("'") + name + "' must be a number");
    const double d = v->get<double>();
    if (!std::isfinite(d) || d < lo || d > hi) {
      return fail(name, std::string("'") + name + "' must be between " + fmt(lo) + " and " + fmt(hi));
    }
    out = static_cast<float>(d);
  }
  void integer(const char* name, int64_t lo, int64_t hi, std::optional<int64_t>& out) {
    const json* v = get(name);
    if (!v) return;
    if (!v->is_number_integer()) return fail(name, std::string("'") + name + "' must be an integer");
    const int64_t i = v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
                          ? INT64_MAX
                          : v->get<int64_t>();
    if (i < lo || i > hi) {
      return fail(name, std::string("'") + name + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    }
    out = i;
  }
  void boolean(const char* name, bool& out) {
    const json* v = get(name);
    if (!v) return;
    if (!v->is_boolean()) return fail(name, std::string("'") + name + "' must be true or false");
    out = v->get<bool>();
  }
  void model(std::string& out) {
    const json* v = get("model");
    if (!v) return fail("model", "'model' is required (GET /v1/models lists the models served)");
    if (!v->is_string() || v->get_ref<const std::string&>().empty()) return fail("model", "'model' must be a non-empty string");
    out = v->get<std::string>();
  }

 private:
  static std::string fmt(float f) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(f));
    return buf;
  }
  const json& body_;
};

constexpr int kMaxStops = 16;
constexpr int kMaxTopLogprobs = 20;

void parse_generate_params(Fields& f, const json& body, bool chat, GenerateParams& p) {
  std::optional<int64_t> i;
  f.integer("max_tokens", 1, std::numeric_limits<int32_t>::max(), i);
  if (chat) f.integer("max_completion_tokens", 1, std::numeric_limits<int32_t>::max(), i);
  if (i) p.max_tokens = static_cast<int>(*i);
  f.number("temperature", 0.0f, 2.0f, p.temperature);
  f.number("top_p", 0.0f, 1.0f, p.top_p);
  if (p.top_p <= 0.0f) f.fail("top_p", "'top_p' must be greater than 0");
  std::optional<int64_t> top_k;
  f.integer("top_k", 0, std::numeric_limits<int32_t>::max(), top_k);
  if (top_k) p.top_k = static_cast<int>(*top_k);
  f.number("min_p", 0.0f, 1.0f, p.min_p);
  f.number("repeat_penalty", 0.01f, 100.0f, p.repeat_penalty);
  f.number("presence_penalty", -2.0f, 2.0f, p.presence_penalty);
  f.number("frequency_penalty", -2.0f, 2.0f, p.frequency_penalty);
  std::optional<int64_t> seed;
  f.integer("seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), seed);
  if (seed) p.seed = static_cast<uint64_t>(*seed);
  f.boolean("ignore_eos", p.ignore_eos);
  f.boolean("stream", p.stream);

  std::optional<int64_t> n;
  f.integer("n", 1, 1, n);

  if (const json* stop = f.get("stop")) {
    if (stop->is_string()) {
      p.stop.push_back(stop->get<std::string>());
    } else if (stop->is_array() && stop->size() <= kMaxStops) {
      for (const json& s : *stop) {
        if (!s.is_string()) return f.fail("stop", "'stop' must be a string or an array of strings");
        p.stop.push_back(s.get<std::string>());
      }
    } else {
      return f.fail("stop", "'stop' must be a string or an array of at most 16 strings");
    }
    for (const std::string& s : p.stop) {
      if (s.empty()) return f.fail("stop", "stop strings must not be empty");
    }
  }
  if (const json* bias = f.get("logit_bias")) {
    if (!bias->is_object()) return f.fail("logit_bias", "'logit_bias' must map token ids to numbers");
    for (const auto& [key, value] : bias->items()) {
      char* end = nullptr;
      const long id = std::strtol(key.c_str(), &end, 10);
      if (key.empty() || *end != '\0' || id < 0 || id > std::numeric_limits<int32_t>::max()) {
        return f.fail("logit_bias", "'logit_bias' keys must be token ids, got '" + key + "'");
      }
      if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < -100 ||
          value.get<double>() > 100) {
        return f.fail("logit_bias", "'logit_bias' values must be numbers between -100 and 100");
      }
      p.logit_bias[static_cast<int32_t>(id)] = value.get<float>();
    }
  }
  if (chat) {
    bool logprobs = false;
    f.boolean("logprobs", logprobs);
    std::optional<int64_t> top;
    f.integer("top_logprobs", 0, kMaxTopLogprobs, top);
    if (top && !logprobs) return f.fail("top_logprobs", "'top_logprobs' needs 'logprobs': true");
    if (logprobs) p.top_logprobs = top ? static_cast<int>(*top) : 0;
  } else {
    std::optional<int64_t> lp;
    f.integer("logprobs", 0, kMaxTopLogprobs, lp);
    if (lp) p.top_logprobs = static_cast<int>(*lp);
  }
  if (const json* so = f.get("stream_options")) {
    if (!so->is_object()) return f.fail("stream_options", "'stream_options' must be an object");
    if (!p.stream) return f.fail("stream_options", "'stream_options' is only allowed with 'stream': true");
    auto it = so->find("include_usage");
    if (it != so->end() && !it->is_null()) {
      if (!it->is_boolean()) return f.fail("stream_options", "'stream_options.include_usage' must be true or false");
      p.include_usage = it->get<bool>();
    }
  }
}

std::optional<std::string> message_content(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) return std::nullopt;
  std::string text;
  for (const json& part : content) {
    if (!part.is_object()) return std::nullopt;
    auto type = part.find("type");
    auto t = part.find("text");
    if (type == part.end() || *type != "text" || t == part.end() || !t->is_string()) return std::nullopt;
    text += t->get<std::string>();
  }
  return text;
}

// A prompt or an embedding input: a string or an array of token ids.
std::optional<std::variant<std::string, std::vector<int32_t>>> text_or_tokens(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_array() || v.empty()) return std::nullopt;
  std::vector<int32_t> ids;
  for (const json& t : v) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return std::nullopt;
    }
    ids.push_back(static_cast<int32_t>(t.get<int64_t>()));
  }
  return ids;
}

}  // namespace

std::variant<json, ApiError> parse_body(const std::string& body) {
  if (body.empty()) return bad_request("the request body is empty; send a JSON object");
  if (!is_valid_utf8(body)) return bad_request("the request body is not valid UTF-8");
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad_request("the request body is not valid JSON");
  if (!j.is_object()) return bad_request("the request body must be a JSON object");
  return j;
}

std::variant<ChatRequest, ApiError> parse_chat(const json& body) {
  ChatRequest r;
  Fields f(body);
  f.model(r.model);
  const json* messages = f.get("messages");
  if (!messages) {
    f.fail("messages", "'messages' is required: an array of {role, content}");
  } else if (!messages->is_array() || messages->empty()) {
    f.fail("messages", "'messages' must be a non-empty array of {role, content}");
  } else {
    for (size_t i = 0; i < messages->size() && !f.error; ++i) {
      const json& m = (*messages)[i];
      const std::string where = "messages[" + std::to_string(i) + "]";
      if (!m.is_object()) {
        f.fail(where, where + " must be an object with 'role' and 'content'");
        break;
      }
      auto role = m.find("role");
      if (role == m.end() || !role->is_string()) {
        f.fail(where + ".role", where + ".role must be a string");
        break;
      }
      std::string rs = role->get<std::string>();
      if (rs == "developer") rs = "system";
      if (rs != "system" && rs != "user" && rs != "assistant") {
        f.fail(where + ".role", where + ".role must be system, developer, user or assistant");
        break;
      }
      auto content = m.find("content");
      std::optional<std::string> text;
      if (content != m.end()) text = content->is_null() ? std::optional<std::string>("") : message_content(*content);
      if (!text) {
        f.fail(where + ".content", where + ".content must be a string or an array of text parts");
        break;
      }
      r.messages.push_back({rs, *text});
    }
  }
  if (!f.error) parse_generate_params(f, body, /*chat=*/true, r.params);
  if (f.error) return *f.error;
  return r;
}

std::variant<CompletionRequest, ApiError> parse_completion(const json& body) {
  CompletionRequest r;
  Fields f(body);
  f.model(r.model);
  const json* prompt = f.get("prompt");
  if (!f.error) {
    if (!prompt) {
      f.fail("prompt", "'prompt' is required: a string or an array of token ids");
    } else {
      const json* p = prompt;
      if (p->is_array() && p->size() == 1 && ((*p)[0].is_string() || (*p)[0].is_array())) p = &(*p)[0];
      auto v = text_or_tokens(*p);
      if (!v) {
        f.fail("prompt", "'prompt' must be a string or an array of token ids (one prompt per request)");
      } else {
        r.prompt = std::move(*v);
      }
    }
  }
  if (!f.error) parse_generate_params(f, body, /*chat=*/false, r.params);
  if (const json* echo = f.get("echo"); !f.error && echo && echo->is_boolean() && echo->get<bool>()) {
    f.fail("echo", "'echo' is not supported");
  }
  if (f.error) return *f.error;
  return r;
}

std::variant<EmbeddingRequest, ApiError> parse_embedding(const json& body) {
  EmbeddingRequest r;
  Fields f(body);
  f.model(r.model);
  constexpr size_t kMaxInputs = 256;
  const json* input = f.get("input");
  if (!f.error) {
    if (!input) {
      f.fail("input", "'input' is required: a string, an array of strings, or token ids");
    } else if (auto one = text_or_tokens(*input); one && !(input->is_array() && (*input)[0].is_string())) {
      r.inputs.push_back(std::move(*one));
    } else if (input->is_array() && !input->empty() && input->size() <= kMaxInputs) {
      for (const json& item : *input) {
        auto v = text_or_tokens(item);
        if (!v) {
          f.fail("input", "each 'input' item must be a string or an array of token ids");
          break;
        }
        r.inputs.push_back(std::move(*v));
      }
    } else {
      f.fail("input", "'input' must be a string, or an array of 1 to 256 strings or token-id arrays");
    }
  }
  if (const json* fmt = f.get("encoding_format"); !f.error && fmt) {
    if (*fmt == "base64") r.base64 = true;
    else if (*fmt != "float") f.fail("encoding_format", "'encoding_format' must be \"float\" or \"base64\"");
  }
  for (const auto& in : r.inputs) {
    if (const auto* s = std::get_if<std::string>(&in); s && s->empty()) f.fail("input", "'input' must not be empty");
  }
  if (f.error) return *f.error;
  return r;
}

}  // namespace coreinfer::server::openai
