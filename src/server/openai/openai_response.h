// OpenAI response bodies: chat.completion, chat.completion.chunk, text_completion (whole
// and streamed), usage, and logprobs in each endpoint's shape.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "llm/tokenizer/tokenizer.h"
#include "server/llm/llm_job.h"

namespace coreinfer::server::openai {

class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // The whole response of a non-streamed request.
  virtual nlohmann::json full(const Delta& all, const Outcome& outcome) const = 0;
  // Streamed: the first chunk (may be null: none), one per delta, the last one, the usage one.
  virtual nlohmann::json first_chunk() const = 0;
  virtual nlohmann::json chunk(const Delta& delta) const = 0;
  virtual nlohmann::json final_chunk(const Outcome& outcome) const = 0;
  nlohmann::json usage_chunk(const Outcome& outcome) const;
  bool include_usage() const { return include_usage_; }

 protected:
  ResponseWriter(std::string id, std::string object, std::string model, const tokenizer::Tokenizer& tok,
                 bool include_usage);
  nlohmann::json envelope(const char* object) const;
  static nlohmann::json usage(const Outcome& o);
  std::string piece(int32_t token) const;  // the token's text, valid UTF-8

  std::string id_, model_;
  int64_t created_;
  const tokenizer::Tokenizer& tok_;
  bool include_usage_;
};

std::unique_ptr<ResponseWriter> chat_writer(const std::string& model, const tokenizer::Tokenizer& tok, bool include_usage);
std::unique_ptr<ResponseWriter> completion_writer(const std::string& model, const tokenizer::Tokenizer& tok,
                                                  bool include_usage);

// "stop" and "length" as they are; anything else (cancelled on shutdown) as "stop".
std::string openai_finish_reason(const std::string& reason);

}  // namespace coreinfer::server::openai
