// The state the endpoints share: configuration, models, metrics, readiness and draining.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "server/auth.h"
#include "server/config.h"
#include "server/llm/llm_engine.h"
#include "server/metrics.h"
#include "server/tensor/tensor_engine.h"

namespace coreinfer::server {

struct ServerContext {
  explicit ServerContext(ServeConfig c) : config(std::move(c)), auth(config.api_keys) {}

  ServeConfig config;
  ApiKeyAuth auth;
  MetricsRegistry metrics;
  std::atomic<bool> loaded{false};    // every model is loaded (set once)
  std::atomic<bool> draining{false};  // shutting down: no new work
  std::atomic<int> in_flight{0};      // requests being handled (incl. streams)

  // Filled before `loaded` turns true, read-only afterwards.
  std::map<std::string, std::unique_ptr<LlmEngine>> llms;
  std::map<std::string, std::unique_ptr<TensorEngine>> tensor_models;  // ONNX, KServe v2 only

  bool ready() const { return loaded.load(std::memory_order_acquire) && !draining.load(); }
  // The model, or null when it does not exist or the models are still loading.
  LlmEngine* find_llm(const std::string& name) const {
    if (!loaded.load(std::memory_order_acquire)) return nullptr;
    auto it = llms.find(name);
    return it == llms.end() ? nullptr : it->second.get();
  }
  TensorEngine* find_tensor_model(const std::string& name) const {
    if (!loaded.load(std::memory_order_acquire)) return nullptr;
    auto it = tensor_models.find(name);
    return it == tensor_models.end() ? nullptr : it->second.get();
  }
};

}  // namespace coreinfer::server
