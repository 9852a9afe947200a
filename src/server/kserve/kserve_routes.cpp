#include "server/kserve/kserve_routes.h"

#include <chrono>

#include "server/json_util.h"
#include "server/kserve/tensor.h"
#include "server/kserve/tensor_infer.h"
#include "server/openai/generation_runner.h"

namespace coreinfer::server::kserve {
namespace {

using nlohmann::json;
using http::HttpRequest;
using http::HttpResponse;

constexpr const char* kTextInput = "text_input";
constexpr const char* kTextOutput = "text_output";

HttpResponse json_response(const json& j, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = dump_json(j);
  return r;
}

json model_metadata(const LlmEngine& e) {
  return {{"name", e.name()},
          {"versions", json::array({"1"})},
          {"platform", "coreinfer_llm"},
          {"inputs", json::array({{{"name", kTextInput}, {"datatype", "BYTES"}, {"shape", json::array({1})}}})},
          {"outputs", json::array({{{"name", kTextOutput}, {"datatype", "BYTES"}, {"shape", json::array({1})}}})}};
}

// Generation settings from "parameters"; an error for a wrong type.
std::optional<ApiError> read_parameters(const json& p, const LlmEngine& e, LlmJob& job) {
  auto number = [&](const char* k, double lo, double hi, double def) -> std::variant<double, ApiError> {
    auto it = p.find(k);
    if (it == p.end()) return def;
    if (!it->is_number() || it->get<double>() < lo || it->get<double>() > hi) {
      return bad_request(std::string("parameter '") + k + "' must be a number in [" + std::to_string(lo) + ", " +
                         std::to_string(hi) + "]");
    }
    return it->get<double>();
  };
  const double cap = e.spec().max_output_tokens;
  auto mt = number("max_tokens", 1, cap, std::min(64.0, cap));
  auto temp = number("temperature", 0, 2, 0);
  auto top_k = number("top_k", 0, 1e9, 0);
  auto top_p = number("top_p", 1e-6, 1, 1);
  auto seed = number("seed", 0, 1.8e19, 0);
  for (auto* v : {&mt, &temp, &top_k, &top_p, &seed}) {
    if (auto* err = std::get_if<ApiError>(v)) return *err;
  }
  job.request.max_tokens = static_cast<int>(std::get<double>(mt));
  job.request.sampling.temperature = static_cast<float>(std::get<double>(temp));
  job.request.sampling.top_k = static_cast<int>(std::get<double>(top_k));
  job.request.sampling.top_p = static_cast<float>(std::get<double>(top_p));
  job.request.sampling.min_p = 0;
  job.request.sampling.seed = static_cast<uint64_t>(std::get<double>(seed));
  if (auto it = p.find("ignore_eos"); it != p.end()) {
    if (!it->is_boolean()) return bad_request("parameter 'ignore_eos' must be true or false");
    job.request.ignore_eos = it->get<bool>();
  }
  return std::nullopt;
}

HttpResponse infer(ServerContext& server, HttpRequest& req) {
  const std::string& name = req.path_params["model"];
  req.notes->model = name;
  if (!server.loaded.load(std::memory_order_acquire)) {
    return error_response(unavailable("the models are still loading; retry shortly"), req.path);
  }
  TensorEngine* tensor_model = server.find_tensor_model(name);
  LlmEngine* e = server.find_llm(name);
  if (!e && !tensor_model) {
    req.notes->model.clear();
    return error_response(ApiError{404, "invalid_request_error", "model_not_found", "", "unknown model '" + name + "'"},
                          req.path);
  }
  int64_t header_length = -1;
  if (std::string h = req.header("inference-header-content-length"); !h.empty()) {
    char* end = nullptr;
    header_length = std::strtoll(h.c_str(), &end, 10);
    if (*end != '\0' || header_length < 0) {
      return error_response(bad_request("Inference-Header-Content-Length must be a byte count"), req.path);
    }
  }
  if (tensor_model) return infer_tensor_model(server, *tensor_model, req, header_length);
  auto parsed = parse_infer_request(req.body, header_length, InferLimits{});
  if (auto* err = std::get_if<ApiError>(&parsed)) return error_response(*err, req.path);
  const InferRequest& r = std::get<InferRequest>(parsed);
  if (r.inputs.size() != 1 || r.inputs[0].name != kTextInput) {
    return error_response(bad_request("model '" + name + "' takes one input, 'text_input' (BYTES, shape [1])"), req.path);
  }
  const Tensor& t = r.inputs[0];
  if (t.datatype != "BYTES" || t.bytes.size() != 1) {
    return error_response(bad_request("input 'text_input' must be BYTES with shape [1] (one string)"), req.path);
  }
  for (const std::string& o : r.requested_outputs) {
    if (o != kTextOutput) return error_response(bad_request("unknown output '" + o + "'; the model has 'text_output'"), req.path);
  }
  if (!is_valid_utf8(t.bytes[0])) return error_response(bad_request("'text_input' is not valid UTF-8"), req.path);
  auto job = std::make_shared<LlmJob>();
  job->request.prompt = e->tokenizer().encode(t.bytes[0], /*add_special=*/true, /*parse_special=*/false);
  if (job->request.prompt.empty() || static_cast<int64_t>(job->request.prompt.size()) > e->max_prompt_tokens()) {
    return error_response(bad_request("'text_input' has " + std::to_string(job->request.prompt.size()) +
                                      " tokens; the model accepts 1 to " + std::to_string(e->max_prompt_tokens())),
                          req.path);
  }
  if (auto err = read_parameters(r.parameters, *e, *job)) return error_response(*err, req.path);
  req.notes->prompt_tokens = static_cast<int>(job->request.prompt.size());
  if (auto err = openai::submit_job(server, *e, job)) return error_response(*err, req.path);
  Delta all;
  if (!openai::wait_for_job(*job, &all, req.client_connected)) {
    return error_response(ApiError{499, "", "", "", "the client closed the connection"}, req.path);
  }
  const Outcome o = job->outcome();
  req.notes->completion_tokens = o.completion_tokens;
  if (auto err = openai::outcome_error(o, server.config.request_timeout_seconds)) return error_response(*err, req.path);
  json out = {{"model_name", name}, {"model_version", "1"},
              {"outputs", json::array({{{"name", kTextOutput}, {"datatype", "BYTES"}, {"shape", json::array({1})},
                                        {"data", json::array({all.text})}}})},
              {"parameters", {{"finish_reason", o.finish_reason == "length" ? "length" : "stop"},
                              {"prompt_tokens", o.prompt_tokens}, {"completion_tokens", o.completion_tokens}}}};
  if (!r.id.empty()) out["id"] = r.id;
  return json_response(out);
}

}  // namespace

void add_routes(http::Router& router, ServerContext& server) {
  ServerContext* s = &server;
  router.add("GET", "/v2", [](HttpRequest&) {
    return json_response({{"name", "coreinfer"}, {"version", "0.1.0"}, {"extensions", json::array({"binary_tensor_data"})}});
  });
  router.add("GET", "/v2/health/live", [](HttpRequest&) { return json_response({{"live", true}}); });
  router.add("GET", "/v2/health/ready", [s](HttpRequest&) {
    const bool ready = s->ready();
    return json_response({{"ready", ready}}, ready ? 200 : 503);
  });
  http::Handler metadata = [s](HttpRequest& r) {
    const std::string& name = r.path_params["model"];
    if (const LlmEngine* e = s->find_llm(name)) return json_response(model_metadata(*e));
    if (const TensorEngine* t = s->find_tensor_model(name)) return json_response(tensor_model_metadata(*t));
    return error_response(ApiError{404, "", "", "", "unknown model '" + name + "'"}, r.path);
  };
  http::Handler ready = [s](HttpRequest& r) {
    const std::string& name = r.path_params["model"];
    if (!s->loaded.load(std::memory_order_acquire)) return json_response({{"name", name}, {"ready", false}}, 503);
    if (!s->find_llm(name) && !s->find_tensor_model(name)) return error_response(ApiError{404, "", "", "", "unknown model '" + name + "'"}, r.path);
    const bool ready = s->ready();
    return json_response({{"name", name}, {"ready", ready}}, ready ? 200 : 503);
  };
  http::Handler run = [s](HttpRequest& r) { return infer(*s, r); };
  // Every model has one version, "1"; the versioned paths reach the same handlers.
  auto versioned = [](http::Handler h) -> http::Handler {
    return [h = std::move(h)](HttpRequest& r) {
      if (r.path_params["version"] != "1") {
        return error_response(ApiError{404, "", "", "", "model '" + r.path_params["model"] + "' has one version, \"1\""}, r.path);
      }
      return h(r);
    };
  };
  router.add("GET", "/v2/models/{model}", metadata);
  router.add("GET", "/v2/models/{model}/ready", ready);
  router.add("POST", "/v2/models/{model}/infer", run);
  router.add("GET", "/v2/models/{model}/versions/{version}", versioned(metadata));
  router.add("GET", "/v2/models/{model}/versions/{version}/ready", versioned(ready));
  router.add("POST", "/v2/models/{model}/versions/{version}/infer", versioned(run));
}

}  // namespace coreinfer::server::kserve
