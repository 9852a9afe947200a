#include "server/openai/generation_runner.h"

#include "server/http/sse.h"
#include "server/json_util.h"

namespace coreinfer::server::openai {
namespace {
constexpr std::chrono::milliseconds kPollInterval{50};
}  // namespace

std::optional<ApiError> submit_job(ServerContext& server, LlmEngine& engine, const std::shared_ptr<LlmJob>& job) {
  if (server.draining.load()) return unavailable("the server is shutting down; retry on another instance");
  if (server.config.request_timeout_seconds > 0) {
    job->deadline = job->created + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(server.config.request_timeout_seconds));
  }
  switch (engine.scheduler().submit(job)) {
    case LlmScheduler::Submit::kOk: return std::nullopt;
    case LlmScheduler::Submit::kQueueFull:
      server.metrics.add("coreinfer_rejected_requests_total", {{"model", engine.name()}, {"reason", "queue_full"}});
      return overloaded("model '" + engine.name() + "' is busy: its queue of " +
                        std::to_string(engine.spec().queue_size) + " waiting requests is full; retry later");
    case LlmScheduler::Submit::kStopped: return unavailable("the model is stopping");
  }
  return internal("unexpected submit result");
}

bool wait_for_job(LlmJob& job, Delta* all, const std::function<bool()>& connected) {
  while (job.wait_all(all, kPollInterval) != LlmJob::Wait::kDone) {
    if (!connected()) {
      job.cancel();
      return false;
    }
  }
  return true;
}

std::optional<ApiError> outcome_error(const Outcome& o, double timeout_seconds) {
  if (o.finish_reason == "error") return from_status(o.error);
  if (o.finish_reason == "timeout") {
    ApiError e{504, "server_error", "timeout", "",
               "the request did not finish within " + std::to_string(static_cast<int>(timeout_seconds)) +
                   " s; ask for fewer tokens or raise request_timeout_seconds"};
    return e;
  }
  if (o.finish_reason == "cancelled") return unavailable("the request was cancelled because the server is shutting down");
  return std::nullopt;
}

http::HttpResponse run_generation(ServerContext& server, LlmEngine& engine, std::shared_ptr<LlmJob> job,
                                  std::shared_ptr<ResponseWriter> writer, bool stream, http::HttpRequest& request) {
  request.notes->prompt_tokens = static_cast<int>(job->request.prompt.size());
  if (auto err = submit_job(server, engine, job)) return error_response(*err, request.path);
  const double timeout = server.config.request_timeout_seconds;
  auto notes = request.notes;

  if (!stream) {
    Delta all;
    if (!wait_for_job(*job, &all, request.client_connected)) {
      http::HttpResponse gone = error_response(ApiError{499, "invalid_request_error", "client_closed", "",
                                                        "the client closed the connection"}, request.path);
      return gone;
    }
    const Outcome o = job->outcome();
    notes->completion_tokens = o.completion_tokens;
    if (auto err = outcome_error(o, timeout)) return error_response(*err, request.path);
    http::HttpResponse res;
    res.body = dump_json(writer->full(all, o));
    return res;
  }

  http::HttpResponse res;
  res.content_type = "text/event-stream";
  res.headers.emplace_back("Cache-Control", "no-cache");
  res.headers.emplace_back("X-Accel-Buffering", "no");
  // Cancels the job if the body is never written (the client left before the headers went out).
  struct Canceller {
    std::shared_ptr<LlmJob> job;
    ~Canceller() { job->cancel(); }
  };
  auto canceller = std::make_shared<Canceller>();
  canceller->job = job;
  res.stream = [job, writer, notes, timeout, canceller](http::StreamSink& sink) {
    auto send = [&](const nlohmann::json& j) { return j.is_null() || sink.write(http::sse_event(dump_json(j))); };
    bool ok = send(writer->first_chunk());
    while (ok) {
      Delta d;
      const LlmJob::Wait w = job->next(&d, kPollInterval);
      if (w == LlmJob::Wait::kDone) break;
      if (w == LlmJob::Wait::kDelta) {
        ok = send(writer->chunk(d));
      } else {
        ok = sink.client_connected();
      }
    }
    if (!ok) {
      job->cancel();
      return;
    }
    const Outcome o = job->outcome();
    notes->completion_tokens = o.completion_tokens;
    if (auto err = outcome_error(o, timeout)) {
      sink.write(http::sse_event(openai_error_json(*err)));
    } else {
      send(writer->final_chunk(o));
      // stream_options.include_usage: one more chunk with the usage and no choices.
      if (writer->include_usage()) send(writer->usage_chunk(o));
    }
    sink.write(http::sse_event("[DONE]"));
  };
  return res;
}

}  // namespace coreinfer::server::openai
