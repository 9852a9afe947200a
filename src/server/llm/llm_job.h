// One request to an LLM as the scheduler sees it, and the channel its results come back on:
// the HTTP thread submits it and reads deltas; the model's compute thread fills it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "llm/generation_request.h"
#include "llm/sampling.h"
#include "llm/sequence_stepper.h"

namespace coreinfer::server {

using Clock = std::chrono::steady_clock;

using llm::Delta;
using llm::TokenLogprob;

struct Outcome {
  std::string finish_reason;  // "stop", "length", "cancelled", "timeout", "error"
  Status error;               // set when finish_reason is "error"
  int prompt_tokens = 0;
  int completion_tokens = 0;
  std::vector<float> embedding;  // embedding jobs
};

class LlmJob {
 public:
  enum class Kind { kGenerate, kEmbed };
  enum class Wait { kDelta, kDone, kTimeout };

  // Set before submitting.
  Kind kind = Kind::kGenerate;
  llm::GenerationRequest request;  // embedding jobs use only request.prompt
  Clock::time_point created = Clock::now();
  Clock::time_point deadline = Clock::time_point::max();

  // The HTTP side.
  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }
  // Waits up to `timeout` for the next delta or the end. kDone only after every delta was read.
  Wait next(Delta* out, std::chrono::milliseconds timeout);
  // Waits for the end, gathering all deltas into one.
  Wait wait_all(Delta* all, std::chrono::milliseconds timeout);
  Outcome outcome() const;

  // The compute side.
  void push(Delta delta);
  void finish(Outcome outcome);
  bool finished() const;

 private:
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Delta> deltas_;
  int delta_waiters_ = 0;  // threads inside next()
  bool done_ = false;
  Outcome outcome_;
};

}  // namespace coreinfer::server
