// A tensor model (ONNX) behind the KServe v2 protocol: one graph Session on the model's own
// pinned thread pool, and a batcher thread that stacks queued requests along the batch
// dimension (dynamic batching: up to max_batch_size rows, waiting at most max_queue_delay_us
// after the oldest request arrived). HTTP threads only validate, enqueue and wait.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "graph/session.h"
#include "server/api_error.h"
#include "server/config.h"
#include "server/metrics.h"
#include "server/tensor/tensor_job.h"

namespace coreinfer::server {

struct TensorEngineStats {
  int queued = 0;
  int running = 0;  // requests in the batch being computed
};

class TensorEngine {
 public:
  static Result<std::unique_ptr<TensorEngine>> load(const ModelSpec& spec, MetricsRegistry* metrics);
  ~TensorEngine();

  const std::string& name() const { return spec_.name; }
  const std::vector<ValueInfo>& inputs() const { return session_->inputs(); }
  const std::vector<ValueInfo>& outputs() const { return session_->outputs(); }
  // Every input and output has the same named dynamic leading dimension (and a known type), so
  // requests can be stacked along it.
  bool batchable() const { return batchable_.load(); }
  int max_batch_size() const { return spec_.max_batch_size; }

  // Checks `feeds` against the model's inputs (names, types, ranks, fixed dimensions, one batch
  // size across inputs) and puts them in graph order; returns the job to submit.
  Result<std::shared_ptr<TensorJob>> make_job(std::vector<NamedTensor> feeds) const;
  // Queues the job; 429 when the queue is full, 503 once stopping.
  std::optional<ApiError> submit(std::shared_ptr<TensorJob> job);
  // The client left or timed out: the job leaves the queue (a running batch finishes).
  void cancel(const std::shared_ptr<TensorJob>& job);
  // Fails queued jobs and joins the batcher (after the batch in progress).
  void stop();
  TensorEngineStats stats() const;

 private:
  explicit TensorEngine(ModelSpec spec, MetricsRegistry* metrics) : spec_(std::move(spec)), metrics_(metrics) {}
  void batcher_loop();
  // Takes the oldest job and the queued jobs that can be stacked with it (lock held).
  std::vector<std::shared_ptr<TensorJob>> take_batch();
  bool stackable(const TensorJob& a, const TensorJob& b) const;
  void run_batch(std::vector<std::shared_ptr<TensorJob>>& batch);
  void run_alone(TensorJob& job);

  ModelSpec spec_;
  MetricsRegistry* metrics_;
  std::unique_ptr<Session> session_;
  std::atomic<bool> batchable_{false};  // turned off if a batched run's outputs do not follow the batch

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<TensorJob>> queue_;
  int running_ = 0;
  bool stopping_ = false;
  std::thread batcher_;
};

}  // namespace coreinfer::server
