// Continuous batching for one LLM. One compute thread owns the model's thread pool and the
// KV cache; requests wait in a bounded queue and take a free cache slot between steps, once
// the cache's free blocks cover their prompt. A decoding sequence takes a block each
// kKvBlockTokens positions; if the pool has none left it finishes with "length". A
// finished or cancelled sequence returns its blocks at once.
// Each iteration runs
//   * one prefill chunk of the oldest sequence still reading its prompt (its own forward
//     call; chunk boundaries at fixed multiples of prefill_chunk from position 0), so a long
//     prompt never stalls the streams that are already decoding, and
//   * one decode step: the next token of every decoding sequence in one forward call
//     (groups of at most max_decode_batch).
// A sequence's arithmetic therefore does not depend on what else is running, as long as
// the matmul of a decode batch gives each row what a single-row call would.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "llm/kv_cache.h"
#include "llm/llama_model.h"
#include "llm/tokenizer/tokenizer.h"
#include "ops/op_context.h"
#include "server/llm/llm_job.h"
#include "server/metrics.h"

namespace coreinfer::server {

struct SchedulerOptions {
  std::string model_name;   // the metrics label
  int queue_size = 64;      // waiting jobs beyond the slots
  int prefill_chunk = 512;
  int max_decode_batch = 8;
  std::vector<int> cpus;    // pin the compute thread to cpus[0] (worker 0 of the pool)
};

struct SchedulerStats {
  int running = 0;
  int queued = 0;
  int64_t kv_blocks_used = 0;   // blocks of llm::kKvBlockTokens positions held by sequences
  int64_t kv_blocks_total = 0;  // the pool
  int64_t kv_tokens_used = 0;   // kv_blocks_used · kKvBlockTokens
  int64_t kv_tokens_total = 0;
  double cpu_seconds = 0;   // the compute thread and the pool's workers
};

class LlmScheduler {
 public:
  enum class Submit { kOk, kQueueFull, kStopped };

  // Everything passed in must outlive the scheduler. `metrics` may be null.
  LlmScheduler(const llm::LlamaModel& model, const tokenizer::Tokenizer& tokenizer, ops::OpContext& ctx,
               ThreadPool& pool, llm::KvCache& cache, SchedulerOptions options, MetricsRegistry* metrics);
  ~LlmScheduler();  // stop()
  LlmScheduler(const LlmScheduler&) = delete;
  LlmScheduler& operator=(const LlmScheduler&) = delete;

  // Never blocks: kQueueFull when the queue is full.
  Submit submit(std::shared_ptr<LlmJob> job);
  // Cancels every queued and running job (they finish with "cancelled").
  void cancel_all();
  // Cancels everything and joins the compute thread.
  void stop();

  SchedulerStats stats() const;
  int64_t n_ctx() const { return cache_.n_ctx(); }

 private:
  struct Sequence;
  void loop();
  void admit(std::vector<std::shared_ptr<LlmJob>>& jobs);
  int64_t can_grow(const LlmJob& job, int64_t blocks) const;
  int64_t growth_headroom() const;  // blocks kept free for running sequences to grow into
  void reap();
  void prefill_one();
  void decode_step();
  void finish(Sequence& s, const std::string& reason, Status error = Status::ok());
  void record_cpu_clocks();

  const llm::LlamaModel& model_;
  const tokenizer::Tokenizer& tokenizer_;
  ops::OpContext& ctx_;
  ThreadPool& pool_;
  llm::KvCache& cache_;
  SchedulerOptions options_;
  MetricsRegistry* metrics_;
  int64_t vocab_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<LlmJob>> queue_;
  bool stopping_ = false;
  std::atomic<bool> cancel_all_{false};
  std::atomic<int> running_count_{0};
  std::atomic<int64_t> kv_blocks_used_{0};
  std::vector<clockid_t> cpu_clocks_;  // under mutex_

  // Compute thread only.
  std::vector<std::unique_ptr<Sequence>> running_;
  std::vector<int32_t> free_slots_;
  llm::ForwardBuffers buffers_;
  std::vector<float> logits_;
  std::vector<llm::BatchToken> batch_;
  std::thread thread_;
};

}  // namespace coreinfer::server
