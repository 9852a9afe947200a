#include "server/tensor/tensor_job.h"

namespace coreinfer::server {

void TensorJob::finish(Status status, std::vector<Tensor> outputs) {
  {
    std::lock_guard lock(mutex_);
    if (done_) return;  // the first answer stands (an error path may try again)
    status_ = std::move(status);
    outputs_ = std::move(outputs);
    done_ = true;
  }
  cv_.notify_all();
}

bool TensorJob::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [this] { return done_; });
}

}  // namespace coreinfer::server
