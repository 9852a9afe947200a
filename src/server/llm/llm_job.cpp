#include "server/llm/llm_job.h"

namespace coreinfer::server {

LlmJob::Wait LlmJob::next(Delta* out, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return !deltas_.empty() || done_; });
  if (!deltas_.empty()) {
    *out = std::move(deltas_.front());
    deltas_.pop_front();
    return Wait::kDelta;
  }
  return done_ ? Wait::kDone : Wait::kTimeout;
}

LlmJob::Wait LlmJob::wait_all(Delta* all, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return !deltas_.empty() || done_; });
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

void LlmJob::push(Delta delta) {
  if (delta.text.empty() && delta.logprobs.empty()) return;
  {
    std::lock_guard lock(mutex_);
    deltas_.push_back(std::move(delta));
  }
  cv_.notify_all();
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
