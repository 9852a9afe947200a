// Errors a client can cause or meet, with their HTTP status, in one typed value that each
// protocol renders in its own shape (OpenAI: {"error": {message, type, param, code}};
// KServe v2: {"error": message}).
#pragma once

#include <string>

#include "core/status.h"
#include "server/http/http_types.h"

namespace coreinfer::server {

struct ApiError {
  int status = 400;
  std::string type = "invalid_request_error";  // OpenAI's error type
  std::string code;                             // OpenAI's code, e.g. "model_not_found"; may be empty
  std::string param;                            // the offending field, may be empty
  std::string message;                          // for the user: what was wrong, what to do
};

ApiError bad_request(std::string message, std::string param = {}, std::string code = {});
ApiError model_not_found(const std::string& model);
ApiError unauthorized(std::string message);
ApiError overloaded(std::string message);       // 429, Retry-After
ApiError unavailable(std::string message);      // 503 (draining, loading)
ApiError internal(std::string message);
// A Status from the engine: invalid argument / out of range -> 400, the rest -> 500.
ApiError from_status(const Status& status);

// Seconds a client should wait before retrying a 429/503.
inline constexpr int kRetryAfterSeconds = 1;

std::string openai_error_json(const ApiError& e);
std::string kserve_error_json(const ApiError& e);
// The response for an error, in the shape of the API the path belongs to (/v2/... -> KServe).
http::HttpResponse error_response(const ApiError& e, const std::string& path);

}  // namespace coreinfer::server
