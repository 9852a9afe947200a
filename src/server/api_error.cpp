#include "server/api_error.h"

#include <nlohmann/json.hpp>

#include "server/json_util.h"

namespace coreinfer::server {

ApiError bad_request(std::string message, std::string param, std::string code) {
  return {400, "invalid_request_error", std::move(code), std::move(param), std::move(message)};
}
ApiError model_not_found(const std::string& model) {
  return {404, "invalid_request_error", "model_not_found", "model",
          "the model '" + model + "' does not exist; GET /v1/models lists the models served"};
}
ApiError unauthorized(std::string message) { return {401, "authentication_error", "invalid_api_key", "", std::move(message)}; }
ApiError overloaded(std::string message) { return {429, "rate_limit_error", "queue_full", "", std::move(message)}; }
ApiError unavailable(std::string message) { return {503, "server_error", "unavailable", "", std::move(message)}; }
ApiError internal(std::string message) { return {500, "server_error", "internal_error", "", std::move(message)}; }

ApiError from_status(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kNotFound:
    case StatusCode::kUnsupported:
      return bad_request(s.message());
    case StatusCode::kCancelled:
      return unavailable(s.message());
    default:
      return internal(s.message());
  }
}

std::string openai_error_json(const ApiError& e) {
  nlohmann::json err = {{"message", e.message}, {"type", e.type}};
  err["param"] = e.param.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.param);
  err["code"] = e.code.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.code);
  return dump_json(nlohmann::json{{"error", err}});
}

std::string kserve_error_json(const ApiError& e) { return dump_json(nlohmann::json{{"error", e.message}}); }

http::HttpResponse error_response(const ApiError& e, const std::string& path) {
  http::HttpResponse res;
  res.status = e.status;
  const bool kserve = path.rfind("/v2", 0) == 0 && (path.size() == 3 || path[3] == '/');
  res.body = kserve ? kserve_error_json(e) : openai_error_json(e);
  if (e.status == 429 || e.status == 503) res.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
  if (e.status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer");
  return res;
}

}  // namespace coreinfer::server
