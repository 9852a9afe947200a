#include "server/kserve/tensor_infer.h"

#include <algorithm>
#include <chrono>

#include "server/json_util.h"
#include "server/kserve/tensor.h"
#include "server/kserve/tensor_convert.h"

namespace coreinfer::server::kserve {
namespace {

using nlohmann::json;

json io_metadata(const ValueInfo& v) {
  json shape = json::array();
  for (int64_t d : v.shape) shape.push_back(d < 0 ? -1 : d);
  return {{"name", v.name}, {"datatype", datatype_of(v.type)}, {"shape", shape}};
}

ApiError job_error(const Status& s) {
  if (s.code() == StatusCode::kCancelled) return unavailable(s.message());
  return from_status(s);
}

// The request's binary_data_output, overridden per output by parameters.binary_data.
bool wants_binary(const json& request_parameters, const json* output_parameters) {
  if (output_parameters) {
    if (auto it = output_parameters->find("binary_data"); it != output_parameters->end()) return it->get<bool>();
  }
  auto it = request_parameters.find("binary_data_output");
  return it != request_parameters.end() && it->get<bool>();
}

}  // namespace

json tensor_model_metadata(const TensorEngine& e) {
  json in = json::array(), out = json::array();
  for (const ValueInfo& v : e.inputs()) in.push_back(io_metadata(v));
  for (const ValueInfo& v : e.outputs()) out.push_back(io_metadata(v));
  return {{"name", e.name()}, {"versions", json::array({"1"})}, {"platform", "coreinfer_onnx"},
          {"inputs", in}, {"outputs", out},
          {"parameters", {{"max_batch_size", e.batchable() ? e.max_batch_size() : 0}}}};
}

http::HttpResponse infer_tensor_model(ServerContext& server, TensorEngine& e, http::HttpRequest& req,
                                      int64_t header_length) {
  auto parsed = parse_infer_request(req.body, header_length, InferLimits{});
  if (auto* err = std::get_if<ApiError>(&parsed)) return error_response(*err, req.path);
  InferRequest& r = std::get<InferRequest>(parsed);

  std::vector<NamedTensor> feeds;
  for (const Tensor& t : r.inputs) {
    if (std::any_of(feeds.begin(), feeds.end(), [&](const NamedTensor& f) { return f.first == t.name; })) {
      return error_response(bad_request("input '" + t.name + "' is given twice"), req.path);
    }
    auto converted = to_graph_tensor(t);
    if (auto* err = std::get_if<ApiError>(&converted)) return error_response(*err, req.path);
    feeds.emplace_back(t.name, std::move(std::get<coreinfer::Tensor>(converted)));
  }
  // Outputs to return (index in the model's outputs, the request's parameters for it), in the
  // model's order unless the request names them.
  std::vector<std::pair<size_t, const json*>> chosen;
  for (size_t k = 0; k < r.requested_outputs.size(); ++k) {
    const std::string& name = r.requested_outputs[k];
    auto it = std::find_if(e.outputs().begin(), e.outputs().end(), [&](const ValueInfo& v) { return v.name == name; });
    if (it == e.outputs().end()) return error_response(bad_request("model '" + e.name() + "' has no output '" + name + "'"), req.path);
    chosen.emplace_back(static_cast<size_t>(it - e.outputs().begin()), &r.requested_output_parameters[k]);
  }
  if (r.requested_outputs.empty()) {
    for (size_t i = 0; i < e.outputs().size(); ++i) chosen.emplace_back(i, nullptr);
  }

  auto job = e.make_job(std::move(feeds));
  if (!job.is_ok()) return error_response(bad_request(job.status().message()), req.path);
  if (server.draining.load()) return error_response(unavailable("the server is shutting down"), req.path);
  if (auto err = e.submit(*job)) {
    if (err->status == 429) server.metrics.add("coreinfer_rejected_requests_total", {{"model", e.name()}, {"reason", "queue_full"}});
    return error_response(*err, req.path);
  }
  const double timeout = server.config.request_timeout_seconds;  // 0: none
  const auto deadline = timeout > 0 ? std::chrono::steady_clock::now() +
                                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                              std::chrono::duration<double>(timeout))
                                    : std::chrono::steady_clock::time_point::max();
  while (!(*job)->wait_for(std::chrono::milliseconds(50))) {
    if (!req.client_connected()) {
      e.cancel(*job);
      return error_response(ApiError{499, "", "", "", "the client closed the connection"}, req.path);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      e.cancel(*job);
      return error_response(ApiError{504, "", "", "", "the request did not finish within request_timeout_seconds"}, req.path);
    }
  }
  if (!(*job)->status().is_ok()) return error_response(job_error((*job)->status()), req.path);

  std::vector<coreinfer::Tensor>& outputs = (*job)->outputs();
  bool any_binary = false;
  json outs = json::array();
  std::string blob;
  for (const auto& [i, params] : chosen) {
    const coreinfer::Tensor& t = outputs[i];
    json o = {{"name", e.outputs()[i].name}, {"datatype", datatype_of(t.type())}, {"shape", t.shape()}};
    if (wants_binary(r.parameters, params)) {
      any_binary = true;
      o["parameters"] = {{"binary_data_size", t.bytes()}};
      blob.append(static_cast<const char*>(t.raw()), t.bytes());
    } else {
      o["data"] = json_data(t);
    }
    outs.push_back(std::move(o));
  }
  json body = {{"model_name", e.name()}, {"model_version", "1"}, {"outputs", std::move(outs)}};
  if (!r.id.empty()) body["id"] = r.id;
  http::HttpResponse res;
  res.body = dump_json(body);
  if (any_binary) {
    res.headers.emplace_back("Inference-Header-Content-Length", std::to_string(res.body.size()));
    res.content_type = "application/octet-stream";
    res.body += blob;
  }
  return res;
}

}  // namespace coreinfer::server::kserve
