#include "server/tensor/tensor_engine.h"

#include <algorithm>
#include <cstring>

#include "core/log.h"
#include "formats/onnx/onnx_model.h"
#include "graph/ops/register.h"

namespace coreinfer::server {
namespace {

using Clock = TensorJob::Clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string shape_text(const Shape& s, const std::vector<std::string>& names = {}) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    if (s[i] < 0) out += i < names.size() && !names[i].empty() ? names[i] : "?";
    else out += std::to_string(s[i]);
  }
  return out + "]";
}

// The symbol of v's dynamic leading dimension ("N", "batch_size"), or "" when it has none.
std::string batch_symbol(const ValueInfo& v) {
  if (!v.has_shape || v.shape.empty() || v.shape[0] >= 0 || v.dim_names.empty()) return "";
  return v.dim_names[0];
}

// Requests can be stacked when every input and output leads with the same named dimension: a
// dynamic first dimension alone is not enough (NonMaxSuppression's [selected, 3] is not a batch).
bool stacks_along_batch(const Session& s) {
  if (s.inputs().empty()) return false;
  const std::string symbol = batch_symbol(s.inputs()[0]);
  if (symbol.empty()) return false;
  for (const ValueInfo& v : s.inputs()) {
    if (batch_symbol(v) != symbol || v.type == ElemType::kUndefined) return false;
  }
  for (const ValueInfo& v : s.outputs()) {
    if (batch_symbol(v) != symbol) return false;
  }
  return true;
}

// Rows [row, row + rows) of `t` along its first dimension, as a tensor with its own storage.
Result<Tensor> copy_rows(const Tensor& t, int64_t row, int64_t rows) {
  Shape shape = t.shape();
  shape[0] = rows;
  CI_ASSIGN_OR_RETURN(Tensor out, Tensor::allocate_uninitialized(t.type(), shape));
  const size_t row_bytes = t.shape()[0] == 0 ? 0 : t.bytes() / static_cast<size_t>(t.shape()[0]);
  if (out.bytes() > 0) {
    std::memcpy(out.raw(), static_cast<const std::byte*>(t.raw()) + static_cast<size_t>(row) * row_bytes, out.bytes());
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<TensorEngine>> TensorEngine::load(const ModelSpec& spec, MetricsRegistry* metrics) {
  CI_ASSIGN_OR_RETURN(Graph graph, load_onnx_model(spec.path));
  const OpRegistry registry = default_op_registry();
  SessionOptions options;
  options.threads = spec.threads;
  options.cpus = spec.cpus;
  if (options.threads == 0 && !spec.cpus.empty()) options.threads = static_cast<int>(spec.cpus.size());
  std::unique_ptr<TensorEngine> e(new TensorEngine(spec, metrics));
  CI_ASSIGN_OR_RETURN(e->session_, Session::create(std::move(graph), registry, options));
  e->batchable_ = stacks_along_batch(*e->session_) && spec.max_batch_size > 1;
  log::info("model '" + spec.name + "': " + std::to_string(e->inputs().size()) + " inputs, " +
            std::to_string(e->outputs().size()) + " outputs, " + std::to_string(e->session_->threads()) +
            " threads, " + (e->batchable() ? "dynamic batching up to " + std::to_string(spec.max_batch_size) + " rows"
                                          : std::string("no dynamic batching (fixed leading dimension)")));
  e->batcher_ = std::thread([p = e.get()] { p->batcher_loop(); });
  return e;
}

TensorEngine::~TensorEngine() { stop(); }

Result<std::shared_ptr<TensorJob>> TensorEngine::make_job(std::vector<NamedTensor> feeds) const {
  std::vector<NamedTensor> ordered;
  ordered.reserve(inputs().size());
  int64_t rows = -1;
  const bool batchable = batchable_.load();
  for (const ValueInfo& in : inputs()) {
    auto it = std::find_if(feeds.begin(), feeds.end(), [&](const NamedTensor& f) { return f.first == in.name; });
    if (it == feeds.end()) return invalid_argument("missing input '" + in.name + "'");
    const Tensor& t = it->second;
    if (in.type != ElemType::kUndefined && t.type() != in.type) {
      return invalid_argument("input '" + in.name + "' must be " + elem_type_name(in.type) + ", not " +
                              elem_type_name(t.type()));
    }
    if (in.has_shape) {
      bool ok = t.rank() == static_cast<int>(in.shape.size());
      for (int d = 0; ok && d < t.rank(); ++d) ok = in.shape[d] < 0 || in.shape[d] == t.shape()[d];
      if (!ok) {
        return invalid_argument("input '" + in.name + "' has shape " + shape_text(t.shape()) + "; the model expects " +
                                shape_text(in.shape, in.dim_names));
      }
    }
    if (batchable) {
      if (rows >= 0 && t.shape()[0] != rows) {
        return invalid_argument("input '" + in.name + "' has " + std::to_string(t.shape()[0]) +
                                " rows; the other inputs have " + std::to_string(rows));
      }
      rows = t.shape()[0];
    }
    ordered.emplace_back(in.name, std::move(it->second));
    feeds.erase(it);
  }
  if (!feeds.empty()) return invalid_argument("unknown input '" + feeds.front().first + "'");
  if (batchable && rows < 1) return invalid_argument("the batch dimension must be at least 1");
  if (batchable && rows > spec_.max_batch_size) {
    return invalid_argument("the batch has " + std::to_string(rows) + " rows; model '" + name() + "' takes at most " +
                            std::to_string(spec_.max_batch_size) + " (max_batch_size)");
  }
  return std::make_shared<TensorJob>(std::move(ordered), batchable ? rows : 1);
}

std::optional<ApiError> TensorEngine::submit(std::shared_ptr<TensorJob> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return unavailable("model '" + name() + "' is shutting down");
    if (static_cast<int>(queue_.size()) >= std::max(1, spec_.queue_size)) {
      return overloaded("model '" + name() + "' has " + std::to_string(queue_.size()) + " requests queued; retry shortly");
    }
    queue_.push_back(std::move(job));
  }
  cv_.notify_all();
  return std::nullopt;
}

void TensorEngine::cancel(const std::shared_ptr<TensorJob>& job) {
  job->cancel();
  std::lock_guard lock(mutex_);
  std::erase(queue_, job);
}

void TensorEngine::stop() {
  std::deque<std::shared_ptr<TensorJob>> left;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !batcher_.joinable()) return;
    stopping_ = true;
    left.swap(queue_);
  }
  cv_.notify_all();
  for (auto& j : left) j->finish(Status(StatusCode::kCancelled, "the server is shutting down"));
  if (batcher_.joinable()) batcher_.join();
}

TensorEngineStats TensorEngine::stats() const {
  std::lock_guard lock(mutex_);
  return {static_cast<int>(queue_.size()), running_};
}

bool TensorEngine::stackable(const TensorJob& a, const TensorJob& b) const {
  if (!batchable_.load()) return false;
  for (size_t i = 0; i < a.inputs().size(); ++i) {
    const Tensor& x = a.inputs()[i].second;
    const Tensor& y = b.inputs()[i].second;
    if (x.type() != y.type() || x.rank() < 1 || y.rank() < 1) return false;
    if (!std::equal(x.shape().begin() + 1, x.shape().end(), y.shape().begin() + 1, y.shape().end())) return false;
  }
  return true;
}

std::vector<std::shared_ptr<TensorJob>> TensorEngine::take_batch() {
  std::vector<std::shared_ptr<TensorJob>> batch{queue_.front()};
  queue_.pop_front();
  int64_t rows = batch[0]->rows();
  for (auto it = queue_.begin(); it != queue_.end() && rows < spec_.max_batch_size;) {
    if (rows + (*it)->rows() <= spec_.max_batch_size && stackable(*batch[0], **it)) {
      rows += (*it)->rows();
      batch.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  return batch;
}

void TensorEngine::batcher_loop() {
  const auto delay = std::chrono::microseconds(spec_.max_queue_delay_us);
  for (;;) {
    std::vector<std::shared_ptr<TensorJob>> batch;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      // Wait for more rows until the oldest request has waited max_queue_delay_us.
      auto queued_rows = [&] {
        int64_t rows = 0;
        for (const auto& j : queue_) rows += stackable(*queue_.front(), *j) || j == queue_.front() ? j->rows() : 0;
        return rows;
      };
      if (batchable_.load()) {
        cv_.wait_until(lock, queue_.front()->arrival() + delay, [&] {
          return stopping_ || queue_.empty() || queued_rows() >= spec_.max_batch_size;
        });
        if (stopping_) return;
        if (queue_.empty()) continue;
      }
      batch = take_batch();
      running_ = static_cast<int>(batch.size());
    }
    std::erase_if(batch, [](const auto& j) {
      if (!j->cancelled()) return false;
      j->finish(Status(StatusCode::kCancelled, "the client closed the connection"));
      return true;
    });
    try {
      if (!batch.empty()) run_batch(batch);
    } catch (const std::exception& ex) {  // std::bad_alloc from a tensor: fail the batch, keep serving
      for (auto& j : batch) j->finish(Status(StatusCode::kOutOfRange, std::string("the model run failed: ") + ex.what()));
    }
    std::lock_guard lock(mutex_);
    running_ = 0;
  }
}

void TensorEngine::run_alone(TensorJob& job) {
  auto out = session_->run(job.inputs());
  if (!out.is_ok()) {
    job.finish(out.status());
    return;
  }
  job.finish(Status::ok(), std::move(*out));
}

void TensorEngine::run_batch(std::vector<std::shared_ptr<TensorJob>>& batch) {
  int64_t rows = 0;
  for (const auto& j : batch) rows += j->rows();
  if (metrics_) {
    for (const auto& j : batch) {
      metrics_->observe("coreinfer_queue_wait_seconds", {{"model", name()}}, seconds_since(j->arrival()));
    }
    metrics_->observe("coreinfer_batch_size", {{"model", name()}, {"phase", "infer"}}, static_cast<double>(rows));
  }
  auto finished = [&] {
    if (!metrics_) return;
    for (const auto& j : batch) {
      metrics_->observe("coreinfer_e2e_request_latency_seconds", {{"model", name()}}, seconds_since(j->arrival()));
    }
  };
  if (batch.size() == 1) {
    run_alone(*batch[0]);
    finished();
    return;
  }
  // Stack each input along its first dimension (row-major: the jobs' bytes one after another).
  std::vector<NamedTensor> feeds;
  for (size_t i = 0; i < batch[0]->inputs().size(); ++i) {
    const Tensor& first = batch[0]->inputs()[i].second;
    Shape shape = first.shape();
    shape[0] = rows;
    auto stacked = Tensor::allocate_uninitialized(first.type(), shape);
    if (!stacked.is_ok()) {
      for (auto& j : batch) j->finish(stacked.status());
      return;
    }
    auto* dst = static_cast<std::byte*>(stacked->raw());
    for (const auto& j : batch) {
      const Tensor& t = j->inputs()[i].second;
      if (t.bytes() > 0) std::memcpy(dst, t.raw(), t.bytes());
      dst += t.bytes();
    }
    feeds.emplace_back(batch[0]->inputs()[i].first, std::move(*stacked));
  }
  auto out = session_->run(feeds);
  bool split = out.is_ok();
  if (split) {
    for (const Tensor& t : *out) split = split && t.rank() >= 1 && t.shape()[0] == rows;
  }
  if (!split) {
    if (out.is_ok()) {
      batchable_.store(false);
      log::warn("model '" + name() + "': an output's first dimension does not follow the batch; dynamic batching is off");
    }
    // Each request on its own, so one bad request cannot fail the others.
    for (auto& j : batch) run_alone(*j);
    finished();
    return;
  }
  int64_t row = 0;
  for (auto& j : batch) {
    std::vector<Tensor> mine;
    Status status;
    for (const Tensor& t : *out) {
      auto part = copy_rows(t, row, j->rows());
      if (!part.is_ok()) {
        status = part.status();
        break;
      }
      mine.push_back(std::move(*part));
    }
    row += j->rows();
    if (status.is_ok()) j->finish(Status::ok(), std::move(mine));
    else j->finish(status);
  }
  finished();
}

}  // namespace coreinfer::server
