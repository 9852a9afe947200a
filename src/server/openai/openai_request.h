// OpenAI request bodies parsed and checked: POST /v1/chat/completions, /v1/completions and
// /v1/embeddings. Every problem becomes an ApiError naming the field and what is allowed.
// Unknown fields are ignored, as OpenAI's clients send fields we have no use for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "llm/tokenizer/chat_template.h"
#include "server/api_error.h"

namespace coreinfer::server::openai {

struct GenerateParams {
  std::optional<int> max_tokens;  // unset: the endpoint's default
  float temperature = 1.0f;
  float top_p = 1.0f;
  int top_k = 0;
  float min_p = 0.0f;
  float repeat_penalty = 1.0f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  std::unordered_map<int32_t, float> logit_bias;
  int top_logprobs = -1;  // -1: no logprobs
  bool ignore_eos = false;
  bool stream = false;
  bool include_usage = false;
};

struct ChatRequest {
  std::string model;
  std::vector<tokenizer::ChatMessage> messages;
  GenerateParams params;
};

struct CompletionRequest {
  std::string model;
  std::variant<std::string, std::vector<int32_t>> prompt;  // text or token ids
  GenerateParams params;
};

struct EmbeddingRequest {
  std::string model;
  std::vector<std::variant<std::string, std::vector<int32_t>>> inputs;
  bool base64 = false;  // encoding_format "base64"
};

// The body as a JSON object, or a 400 saying why not (bad JSON, bad UTF-8, not an object).
std::variant<nlohmann::json, ApiError> parse_body(const std::string& body);

std::variant<ChatRequest, ApiError> parse_chat(const nlohmann::json& body);
std::variant<CompletionRequest, ApiError> parse_completion(const nlohmann::json& body);
std::variant<EmbeddingRequest, ApiError> parse_embedding(const nlohmann::json& body);

}  // namespace coreinfer::server::openai
