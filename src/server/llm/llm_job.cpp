#include "server/llm/llm_job.h"

namespace coreinfer::server {

LlmJob::Wait LlmJob::next(Delta* out, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  ++delta_waiters_;
  cv_.wait_for(lock, timeout, [&] { return !deltas_.empty() || done_; });
  --delta_waiters_;
  if (!deltas_.empty()) {
    *out = std::move(deltas_.front());
    deltas_.pop_front();
    return Wait::kDelta;
  }
  return done_ ? Wait::kDone : Wait::kTimeout;
}

LlmJob::Wait LlmJob::wait_all(Delta* all, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return done_; });
  while (!deltas_.empty()) {
    Delta& d = deltas_.front();
    all->text += d.text;
    for (auto& lp : d.logprobs) all->logprobs.push_back(std::move(lp));
    deltas_.pop_front();
  }
  return done_ ? Wait::kDone : Wait::kTimeout;
}

Outcome LlmJob::outcome() const {
  std::lock_guard lock(mutex_);
  return outcome_;
}

// Wakes only a streaming reader (next()): a non-streaming one (wait_all) sleeps until the end, so
// each decode step does not wake an HTTP thread that would take a core from the compute threads.
void LlmJob::push(Delta delta) {
  if (delta.text.empty() && delta.logprobs.empty()) return;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    deltas_.push_back(std::move(delta));
    wake = delta_waiters_ > 0;
  }
  if (wake) cv_.notify_all();
}

void LlmJob::finish(Outcome outcome) {
  {
    std::lock_guard lock(mutex_);
    if (done_) return;
    outcome_ = std::move(outcome);
    done_ = true;
  }
  cv_.notify_all();
}

bool LlmJob::finished() const {
  std::lock_guard lock(mutex_);
  return done_;
}

}  // namespace coreinfer::server
