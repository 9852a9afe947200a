#include "server/llm/scheduler.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/log.h"
#include "llm/sequence_stepper.h"

namespace coreinfer::server {
namespace {

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// KV-cache blocks a job takes when admitted: its whole prompt, so a prefill never waits
// for blocks. Generated tokens take blocks as they come (see decode_step).
int64_t blocks_at_admission(const LlmJob& job) {
  return llm::KvCache::blocks_for(static_cast<int64_t>(job.request.prompt.size()));
}

void finish_unstarted(LlmJob& job, const std::string& reason, Status error = Status::ok()) {
  Outcome o;
  o.finish_reason = reason;
  o.error = std::move(error);
  o.prompt_tokens = static_cast<int>(job.request.prompt.size());
  job.finish(std::move(o));
}

}  // namespace

struct LlmScheduler::Sequence {
  std::shared_ptr<LlmJob> job;
  int32_t slot = 0;
  int64_t prefilled = 0;  // prompt tokens in the cache
  std::unique_ptr<llm::SequenceStepper> stepper;
  std::vector<double> pooled;  // embedding jobs: sum of the final hidden states
  Clock::time_point admitted, first_token, last_token;
  bool has_first_token = false;
  bool decoding() const { return stepper && !stepper->done(); }
};

LlmScheduler::LlmScheduler(const llm::LlamaModel& model, const tokenizer::Tokenizer& tokenizer, ops::OpContext& ctx,
                           ThreadPool& pool, llm::KvCache& cache, SchedulerOptions options, MetricsRegistry* metrics)
    : model_(model),
      tokenizer_(tokenizer),
      ctx_(ctx),
      pool_(pool),
      cache_(cache),
      options_(std::move(options)),
      metrics_(metrics),
      vocab_(model.config().vocab_size) {
  for (int64_t s = cache_.n_slots() - 1; s >= 0; --s) free_slots_.push_back(static_cast<int32_t>(s));
  logits_.resize(static_cast<size_t>(std::max(options_.max_decode_batch, 1) * vocab_));
  thread_ = std::thread([this] { loop(); });
}

LlmScheduler::~LlmScheduler() { stop(); }

LlmScheduler::Submit LlmScheduler::submit(std::shared_ptr<LlmJob> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Submit::kStopped;
    // Jobs waiting for a slot beyond the free ones count against the queue.
    const int64_t waiting = static_cast<int64_t>(queue_.size());
    const int64_t free_now = cache_.n_slots() - running_count_.load();
    if (waiting - std::max<int64_t>(free_now, 0) >= options_.queue_size) return Submit::kQueueFull;
    queue_.push_back(std::move(job));
  }
  cv_.notify_all();
  return Submit::kOk;
}

void LlmScheduler::cancel_all() {
  cancel_all_.store(true);
  cv_.notify_all();
}

void LlmScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cancel_all();
  if (thread_.joinable()) thread_.join();
}

SchedulerStats LlmScheduler::stats() const {
  SchedulerStats s;
  std::lock_guard lock(mutex_);
  s.running = running_count_.load();
  s.queued = static_cast<int>(queue_.size());
  s.kv_blocks_used = kv_blocks_used_.load();
  s.kv_blocks_total = cache_.total_blocks();  // fixed at construction
  s.kv_tokens_used = s.kv_blocks_used * llm::kKvBlockTokens;
  s.kv_tokens_total = s.kv_blocks_total * llm::kKvBlockTokens;
  for (clockid_t c : cpu_clocks_) {
    timespec ts{};
    if (clock_gettime(c, &ts) == 0) s.cpu_seconds += static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
  }
  return s;
}

void LlmScheduler::record_cpu_clocks() {
  if (!options_.cpus.empty()) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(options_.cpus[0], &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  std::vector<clockid_t> clocks(static_cast<size_t>(pool_.size()));
  pool_.run([&](int i, int) { pthread_getcpuclockid(pthread_self(), &clocks[static_cast<size_t>(i)]); });
  std::lock_guard lock(mutex_);
  cpu_clocks_ = clocks;
}

void LlmScheduler::finish(Sequence& s, const std::string& reason, Status error) {
  Outcome o;
  o.finish_reason = reason;
  o.error = std::move(error);
  o.prompt_tokens = static_cast<int>(s.job->request.prompt.size());
  o.completion_tokens = s.stepper ? s.stepper->generated() : 0;
  if (s.job->kind == LlmJob::Kind::kEmbed && reason == "stop") {
    double norm = 0;
    for (double v : s.pooled) norm += v * v;
    norm = std::sqrt(norm);
    o.embedding.resize(s.pooled.size());
    for (size_t i = 0; i < s.pooled.size(); ++i) o.embedding[i] = static_cast<float>(norm > 0 ? s.pooled[i] / norm : 0);
  }
  const Clock::time_point now = Clock::now();
  if (metrics_) {
    const Labels m{{"model", options_.model_name}};
    metrics_->add("coreinfer_prompt_tokens_total", m, o.prompt_tokens);
    metrics_->add("coreinfer_generated_tokens_total", m, o.completion_tokens);
    metrics_->observe("coreinfer_e2e_request_latency_seconds", m, seconds_between(s.job->created, now));
    if (o.completion_tokens > 1) {
      metrics_->observe("coreinfer_time_per_output_token_seconds", m,
                        seconds_between(s.first_token, s.last_token) / (o.completion_tokens - 1));
    }
  }
  // The blocks come back before the client hears: /metrics read right after a response shows them.
  cache_.release(s.slot);
  free_slots_.push_back(s.slot);
  kv_blocks_used_.store(cache_.used_blocks());
  s.job->finish(std::move(o));
  s.job.reset();
}

// 1 when a generation holding `blocks` blocks can still take another within its context.
int64_t LlmScheduler::can_grow(const LlmJob& job, int64_t blocks) const {
  return job.kind == LlmJob::Kind::kGenerate && blocks < llm::KvCache::blocks_for(cache_.n_ctx()) ? 1 : 0;
}

int64_t LlmScheduler::growth_headroom() const {
  int64_t n = 0;
  for (const auto& s : running_) {
    if (s->job) n += can_grow(*s->job, llm::KvCache::blocks_for(cache_.capacity(s->slot)));
  }
  return n;
}

void LlmScheduler::admit(std::vector<std::shared_ptr<LlmJob>>& jobs) {
  const Clock::time_point now = Clock::now();
  for (auto& job : jobs) {
    auto s = std::make_unique<Sequence>();
    s->job = std::move(job);
    s->slot = free_slots_.back();
    free_slots_.pop_back();
    s->admitted = now;
    // loop() admitted the job only if the free blocks cover its prompt.
    Status st = cache_.reserve(s->slot, static_cast<int64_t>(s->job->request.prompt.size()));
    if (!st.is_ok()) {
      finish(*s, "error", std::move(st));
      continue;
    }
    if (s->job->kind == LlmJob::Kind::kEmbed) s->pooled.assign(static_cast<size_t>(model_.config().dim), 0.0);
    if (metrics_) {
      metrics_->observe("coreinfer_queue_wait_seconds", {{"model", options_.model_name}},
                        seconds_between(s->job->created, now));
    }
    running_.push_back(std::move(s));
  }
}

void LlmScheduler::reap() {
  const bool all = cancel_all_.load();
  const Clock::time_point now = Clock::now();
  for (auto& s : running_) {
    if (!s->job) continue;
    if (all || s->job->cancelled()) {
      finish(*s, "cancelled");
    } else if (now >= s->job->deadline) {
      finish(*s, "timeout");
    } else if (s->stepper && s->stepper->done()) {
      finish(*s, s->stepper->finish_reason(), s->stepper->error());
    }
  }
  std::erase_if(running_, [](const auto& s) { return !s->job; });
}

void LlmScheduler::prefill_one() {
  Sequence* seq = nullptr;
  for (auto& s : running_) {
    if (s->job && !s->stepper) {
      seq = s.get();
      break;
    }
  }
  if (!seq) return;
  const LlmJob& job = *seq->job;
  const int64_t n_prompt = static_cast<int64_t>(job.request.prompt.size());
  const int64_t begin = seq->prefilled;
  const int64_t end = std::min(n_prompt, begin + options_.prefill_chunk);
  const bool embed = job.kind == LlmJob::Kind::kEmbed;
  batch_.clear();
  for (int64_t i = begin; i < end; ++i) {
    batch_.push_back({job.request.prompt[static_cast<size_t>(i)], static_cast<int32_t>(i), seq->slot, !embed && i + 1 == n_prompt});
  }
  Status st = model_.forward(ctx_, batch_, cache_, buffers_, logits_.data());
  if (metrics_) metrics_->observe("coreinfer_batch_size", {{"model", options_.model_name}, {"phase", "prefill"}},
                                  static_cast<double>(batch_.size()));
  if (!st.is_ok()) {
    finish(*seq, "error", st);
    return;
  }
  if (embed) {
    // All rows skip the output head, so buffers_.x holds each token's final hidden state.
    const int64_t dim = model_.config().dim;
    for (int64_t r = 0; r < end - begin; ++r) {
      const float* x = buffers_.x.data() + r * dim;
      for (int64_t d = 0; d < dim; ++d) seq->pooled[static_cast<size_t>(d)] += x[d];
    }
  }
  seq->prefilled = end;
  if (end < n_prompt) return;
  if (embed) {
    for (double& v : seq->pooled) v /= static_cast<double>(n_prompt);
    finish(*seq, "stop");
    return;
  }
  seq->stepper = std::make_unique<llm::SequenceStepper>(job.request, tokenizer_, vocab_, cache_.n_ctx());
  Delta d;
  if (job.request.max_tokens <= 0) {
    d = seq->stepper->finish_now("length");
  } else {
    d = seq->stepper->step(logits_.data());
    const Clock::time_point now = Clock::now();
    seq->first_token = seq->last_token = now;
    seq->has_first_token = true;
    if (metrics_) {
      metrics_->observe("coreinfer_time_to_first_token_seconds", {{"model", options_.model_name}},
                        seconds_between(job.created, now));
    }
  }
  seq->job->push(std::move(d));
}

void LlmScheduler::decode_step() {
  std::vector<Sequence*> ready;
  for (auto& s : running_) {
    if (!s->job || !s->decoding()) continue;
    // The next token's position needs a block; when the pool has none left the sequence
    // ends here, as it would at the end of its context.
    if (!cache_.reserve(s->slot, s->stepper->next_pos() + 1).is_ok()) {
      log::warn("model '" + options_.model_name + "': the KV cache is full (" + std::to_string(cache_.total_blocks()) +
                " blocks of " + std::to_string(llm::kKvBlockTokens) + " tokens); a request stops after " +
                std::to_string(s->stepper->generated()) + " tokens with finish_reason \"length\"");
      finish(*s, "length");
      continue;
    }
    ready.push_back(s.get());
  }
  const size_t group = static_cast<size_t>(std::max(options_.max_decode_batch, 1));
  for (size_t g = 0; g < ready.size(); g += group) {
    const size_t n = std::min(group, ready.size() - g);
    batch_.clear();
    for (size_t i = 0; i < n; ++i) {
      const Sequence& s = *ready[g + i];
      batch_.push_back({s.stepper->next_token(), s.stepper->next_pos(), s.slot, true});
    }
    Status st = model_.forward(ctx_, batch_, cache_, buffers_, logits_.data());
    if (metrics_) metrics_->observe("coreinfer_batch_size", {{"model", options_.model_name}, {"phase", "decode"}},
                                    static_cast<double>(n));
    const Clock::time_point now = Clock::now();
    for (size_t i = 0; i < n; ++i) {
      Sequence& s = *ready[g + i];
      if (!st.is_ok()) {
        finish(s, "error", st);
        continue;
      }
      s.job->push(s.stepper->step(logits_.data() + static_cast<int64_t>(i) * vocab_));
      s.last_token = now;
    }
  }
}

void LlmScheduler::loop() {
  record_cpu_clocks();
  for (;;) {
    std::vector<std::shared_ptr<LlmJob>> admitted;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || cancel_all_.load() || !queue_.empty() || !running_.empty(); });
      if (cancel_all_.load()) {
        for (auto& job : queue_) finish_unstarted(*job, "cancelled");
        queue_.clear();
      }
      // First come, first served: the oldest job waits for a slot and for the free blocks
      // its prompt needs, plus one block of room to grow for it and for each sequence that
      // may still grow (so admitting does not starve running streams of their next block);
      // later jobs do not overtake it. A pool of the default size never makes a job wait.
      int64_t blocks_promised = growth_headroom();
      while (!queue_.empty() && admitted.size() < free_slots_.size()) {
        LlmJob& job = *queue_.front();
        const int64_t need = blocks_at_admission(job);
        if (job.cancelled()) {
          finish_unstarted(job, "cancelled");
        } else if (need > cache_.total_blocks()) {
          finish_unstarted(job, "error",
                           out_of_range("the prompt has " + std::to_string(job.request.prompt.size()) +
                                        " tokens; the KV cache holds " +
                                        std::to_string(cache_.total_blocks() * llm::kKvBlockTokens) +
                                        " for all requests together (shorten the prompt or give the model a "
                                        "larger KV cache)"));
        } else if (const int64_t want = std::min(need + can_grow(job, need), cache_.total_blocks());
                   want > cache_.free_blocks() - blocks_promised) {
          break;
        } else {
          blocks_promised += want;
          admitted.push_back(std::move(queue_.front()));
        }
        queue_.pop_front();
      }
    }
    admit(admitted);
    reap();
    if (cancel_all_.load()) {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      if (queue_.empty() && running_.empty()) cancel_all_.store(false);
      continue;
    }
    running_count_.store(static_cast<int>(running_.size()));
    prefill_one();
    decode_step();
    reap();
    kv_blocks_used_.store(cache_.used_blocks());
    running_count_.store(static_cast<int>(running_.size()));
  }
  reap();
  running_count_.store(0);
  kv_blocks_used_.store(cache_.used_blocks());
}

}  // namespace coreinfer::server
