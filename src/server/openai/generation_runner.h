// Runs an LLM job for an HTTP request: submits it (429 at once when the queue is full),
// then either waits for the whole answer or streams it as server-sent events. A client that
// goes away cancels its job, which frees its slot at the next scheduler step.
#pragma once

#include <memory>
#include <optional>

#include "server/api_error.h"

#include "server/http/http_types.h"
#include "server/llm/llm_job.h"
#include "server/openai/openai_response.h"
#include "server/server_context.h"

namespace coreinfer::server::openai {

http::HttpResponse run_generation(ServerContext& server, LlmEngine& engine, std::shared_ptr<LlmJob> job,
                                  std::shared_ptr<ResponseWriter> writer, bool stream, http::HttpRequest& request);

// Submits, mapping a refusal to its error (429 queue full, 503 stopping); nullopt when queued.
std::optional<ApiError> submit_job(ServerContext& server, LlmEngine& engine, const std::shared_ptr<LlmJob>& job);

// Waits for the job's end while the client stays connected; false if the client left
// (the job is then cancelled).
bool wait_for_job(LlmJob& job, Delta* all, const std::function<bool()>& connected);

// The error for a job that ended without an answer (timeout, shutdown, engine error).
std::optional<ApiError> outcome_error(const Outcome& o, double timeout_seconds);

}  // namespace coreinfer::server::openai
