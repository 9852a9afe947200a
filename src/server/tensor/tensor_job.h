// One inference request for a tensor model: its validated inputs, and the outputs or error
// the batcher hands back.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "core/status.h"
#include "graph/session.h"

namespace coreinfer::server {

class TensorJob {
 public:
  using Clock = std::chrono::steady_clock;

  TensorJob(std::vector<NamedTensor> inputs, int64_t rows) : inputs_(std::move(inputs)), rows_(rows) {}

  const std::vector<NamedTensor>& inputs() const { return inputs_; }
  int64_t rows() const { return rows_; }  // leading (batch) dimension; 1 for unbatchable models
  Clock::time_point arrival() const { return arrival_; }

  // Hands over the result; later calls are ignored.
  void finish(Status status, std::vector<Tensor> outputs = {});
  // Waits up to `timeout` for the result; true when it is there.
  bool wait_for(std::chrono::milliseconds timeout);
  const Status& status() const { return status_; }
  std::vector<Tensor>& outputs() { return outputs_; }

  // The client left: the batcher drops the job if it has not started it.
  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

 private:
  std::vector<NamedTensor> inputs_;
  int64_t rows_;
  Clock::time_point arrival_ = Clock::now();
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  Status status_;
  std::vector<Tensor> outputs_;
};

}  // namespace coreinfer::server
