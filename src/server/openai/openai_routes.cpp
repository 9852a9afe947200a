#include "server/openai/openai_routes.h"

#include <chrono>

#include "server/json_util.h"
#include "server/openai/generation_runner.h"
#include "server/openai/openai_request.h"

namespace coreinfer::server::openai {
namespace {

using nlohmann::json;
using http::HttpRequest;
using http::HttpResponse;

constexpr int kDefaultCompletionTokens = 16;  // OpenAI's default for /v1/completions

std::string base64(const void* data, size_t n) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (i + 1 < n ? uint32_t{p[i + 1]} << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < n ? kAlphabet[v & 63] : '=';
  }
  return out;
}

// The engine for `name`, or the error to return.
std::variant<LlmEngine*, ApiError> engine_for(ServerContext& server, const std::string& name, HttpRequest& req) {
  req.notes->model = name;
  if (!server.loaded.load(std::memory_order_acquire)) return unavailable("the models are still loading; retry shortly");
  LlmEngine* e = server.find_llm(name);
  if (!e) {
    req.notes->model.clear();  // keep metric labels to real models
    return model_not_found(name);
  }
  return e;
}

std::optional<ApiError> check_prompt(const LlmEngine& e, const std::vector<int32_t>& prompt) {
  if (prompt.empty()) return bad_request("the prompt is empty", "prompt");
  const int64_t vocab = e.config().vocab_size;
  for (int32_t t : prompt) {
    if (t < 0 || t >= vocab) {
      return bad_request("token id " + std::to_string(t) + " is outside the vocabulary (0.." + std::to_string(vocab - 1) + ")",
                         "prompt");
    }
  }
  if (static_cast<int64_t>(prompt.size()) > e.max_prompt_tokens()) {
    return bad_request("the prompt has " + std::to_string(prompt.size()) + " tokens; model '" + e.name() + "' accepts at most " +
                           std::to_string(e.max_prompt_tokens()) + " (shorten it, or raise ctx_size / max_prompt_tokens)",
                       "messages", "context_length_exceeded");
  }
  return std::nullopt;
}

// Fills the job's sampling and limits; an error for values the model cannot take.
std::optional<ApiError> fill_job(const LlmEngine& e, const GenerateParams& p, int default_max, LlmJob& job) {
  const int cap = e.spec().max_output_tokens;
  if (p.max_tokens && *p.max_tokens > cap) {
    return bad_request("max_tokens is " + std::to_string(*p.max_tokens) + "; this server allows at most " + std::to_string(cap),
                       "max_tokens");
  }
  job.request.max_tokens = p.max_tokens ? *p.max_tokens : std::min(default_max, cap);
  llm::SamplingParams& s = job.request.sampling;
  s.temperature = p.temperature;
  s.top_k = p.top_k;
  s.top_p = p.top_p;
  s.min_p = p.min_p;
  s.repeat_penalty = p.repeat_penalty;
  s.presence_penalty = p.presence_penalty;
  s.frequency_penalty = p.frequency_penalty;
  s.logit_bias = p.logit_bias;
  s.seed = p.seed ? *p.seed : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  if (Status st = s.validate(e.config().vocab_size); !st.is_ok()) return bad_request(st.message());
  job.request.stop = p.stop;
  job.request.ignore_eos = p.ignore_eos;
  job.request.top_logprobs = p.top_logprobs;
  return std::nullopt;
}

HttpResponse chat_completions(ServerContext& server, HttpRequest& req) {
  auto body = parse_body(req.body);
  if (auto* e = std::get_if<ApiError>(&body)) return error_response(*e, req.path);
  auto parsed = parse_chat(std::get<json>(body));
  if (auto* e = std::get_if<ApiError>(&parsed)) return error_response(*e, req.path);
  const ChatRequest& r = std::get<ChatRequest>(parsed);
  auto found = engine_for(server, r.model, req);
  if (auto* e = std::get_if<ApiError>(&found)) return error_response(*e, req.path);
  LlmEngine& engine = *std::get<LlmEngine*>(found);
  if (!engine.chat_format().is_ok()) {
    return error_response(bad_request("model '" + engine.name() + "' has no usable chat template (" +
                                      engine.chat_format().status().message() + "); use /v1/completions"),
                          req.path);
  }
  const std::string text = tokenizer::render_chat(*engine.chat_format(), r.messages, /*add_generation_prompt=*/true);
  auto job = std::make_shared<LlmJob>();
  job->request.prompt = engine.tokenizer().encode(text, /*add_special=*/true, /*parse_special=*/true);
  if (auto err = check_prompt(engine, job->request.prompt)) return error_response(*err, req.path);
  const int room = static_cast<int>(engine.n_ctx() - static_cast<int64_t>(job->request.prompt.size()));
  if (auto err = fill_job(engine, r.params, room, *job)) return error_response(*err, req.path);
  std::shared_ptr<ResponseWriter> writer = chat_writer(engine.name(), engine.tokenizer(), r.params.include_usage);
  return run_generation(server, engine, job, writer, r.params.stream, req);
}

HttpResponse completions(ServerContext& server, HttpRequest& req) {
  auto body = parse_body(req.body);
  if (auto* e = std::get_if<ApiError>(&body)) return error_response(*e, req.path);
  auto parsed = parse_completion(std::get<json>(body));
  if (auto* e = std::get_if<ApiError>(&parsed)) return error_response(*e, req.path);
  const CompletionRequest& r = std::get<CompletionRequest>(parsed);
  auto found = engine_for(server, r.model, req);
  if (auto* e = std::get_if<ApiError>(&found)) return error_response(*e, req.path);
  LlmEngine& engine = *std::get<LlmEngine*>(found);
  auto job = std::make_shared<LlmJob>();
  if (const auto* text = std::get_if<std::string>(&r.prompt)) {
    job->request.prompt = engine.tokenizer().encode(*text, /*add_special=*/true, /*parse_special=*/false);
  } else {
    job->request.prompt = std::get<std::vector<int32_t>>(r.prompt);
  }
  if (auto err = check_prompt(engine, job->request.prompt)) return error_response(*err, req.path);
  if (auto err = fill_job(engine, r.params, kDefaultCompletionTokens, *job)) return error_response(*err, req.path);
  std::shared_ptr<ResponseWriter> writer = completion_writer(engine.name(), engine.tokenizer(), r.params.include_usage);
  return run_generation(server, engine, job, writer, r.params.stream, req);
}

HttpResponse embeddings(ServerContext& server, HttpRequest& req) {
  auto body = parse_body(req.body);
  if (auto* e = std::get_if<ApiError>(&body)) return error_response(*e, req.path);
  auto parsed = parse_embedding(std::get<json>(body));
  if (auto* e = std::get_if<ApiError>(&parsed)) return error_response(*e, req.path);
  const EmbeddingRequest& r = std::get<EmbeddingRequest>(parsed);
  auto found = engine_for(server, r.model, req);
  if (auto* e = std::get_if<ApiError>(&found)) return error_response(*e, req.path);
  LlmEngine& engine = *std::get<LlmEngine*>(found);
  std::vector<std::shared_ptr<LlmJob>> jobs;
  int prompt_tokens = 0;
  for (const auto& in : r.inputs) {
    auto job = std::make_shared<LlmJob>();
    job->kind = LlmJob::Kind::kEmbed;
    if (const auto* text = std::get_if<std::string>(&in)) {
      job->request.prompt = engine.tokenizer().encode(*text, /*add_special=*/true, /*parse_special=*/false);
    } else {
      job->request.prompt = std::get<std::vector<int32_t>>(in);
    }
    if (auto err = check_prompt(engine, job->request.prompt)) {
      err->param = "input";
      return error_response(*err, req.path);
    }
    prompt_tokens += static_cast<int>(job->request.prompt.size());
    jobs.push_back(std::move(job));
  }
  req.notes->prompt_tokens = prompt_tokens;
  auto cancel_all = [&] {
    for (auto& j : jobs) j->cancel();
  };
  size_t submitted = 0;
  for (auto& job : jobs) {
    if (auto err = submit_job(server, engine, job)) {
      for (size_t i = 0; i < submitted; ++i) jobs[i]->cancel();
      return error_response(*err, req.path);
    }
    ++submitted;
  }
  json data = json::array();
  for (size_t i = 0; i < jobs.size(); ++i) {
    Delta ignored;
    if (!wait_for_job(*jobs[i], &ignored, req.client_connected)) {
      cancel_all();
      return error_response(ApiError{499, "invalid_request_error", "client_closed", "", "the client closed the connection"},
                            req.path);
    }
    const Outcome o = jobs[i]->outcome();
    if (auto err = outcome_error(o, server.config.request_timeout_seconds)) {
      cancel_all();
      return error_response(*err, req.path);
    }
    json item = {{"object", "embedding"}, {"index", i}};
    if (r.base64) item["embedding"] = base64(o.embedding.data(), o.embedding.size() * sizeof(float));
    else item["embedding"] = o.embedding;
    data.push_back(std::move(item));
  }
  HttpResponse res;
  res.body = dump_json({{"object", "list"},
                        {"data", data},
                        {"model", engine.name()},
                        {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}});
  return res;
}

json model_object(const LlmEngine& e) {
  return {{"id", e.name()}, {"object", "model"}, {"created", e.created_unix()}, {"owned_by", "coreinfer"},
          {"meta", {{"context_length", e.n_ctx()}, {"vocab_size", e.config().vocab_size}, {"parallel", e.spec().parallel}}}};
}

}  // namespace

void add_routes(http::Router& router, ServerContext& server) {
  ServerContext* s = &server;
  router.add("POST", "/v1/chat/completions", [s](HttpRequest& r) { return chat_completions(*s, r); });
  router.add("POST", "/v1/completions", [s](HttpRequest& r) { return completions(*s, r); });
  router.add("POST", "/v1/embeddings", [s](HttpRequest& r) { return embeddings(*s, r); });
  router.add("GET", "/v1/models", [s](HttpRequest&) {
    json data = json::array();
    if (s->loaded.load(std::memory_order_acquire)) {
      for (const auto& [name, e] : s->llms) data.push_back(model_object(*e));
    }
    HttpResponse res;
    res.body = dump_json({{"object", "list"}, {"data", data}});
    return res;
  });
  router.add("GET", "/v1/models/{model}", [s](HttpRequest& r) {
    const std::string& name = r.path_params["model"];
    LlmEngine* e = s->find_llm(name);
    if (!e) return error_response(model_not_found(name), r.path);
    HttpResponse res;
    res.body = dump_json(model_object(*e));
    return res;
  });
}

}  // namespace coreinfer::server::openai
