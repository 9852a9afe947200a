#include "server/server.h"

#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "server/access_log.h"
#include "server/api_error.h"
#include "server/http/http_server.h"
#include "server/http/router.h"
#include "server/json_util.h"
#include "server/kserve/kserve_routes.h"
#include "server/openai/openai_routes.h"
#include "server/server_context.h"

namespace coreinfer::server {
namespace {

using Clock = std::chrono::steady_clock;
using http::HttpRequest;
using http::HttpResponse;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void declare_metrics(MetricsRegistry& m) {
  using T = MetricsRegistry::Type;
  m.declare("coreinfer_http_requests_total", T::kCounter, "HTTP requests by route, model and status code.");
  m.declare("coreinfer_http_request_duration_seconds", T::kHistogram, "HTTP request time, to the end of the body.",
            latency_buckets());
  m.declare("coreinfer_rejected_requests_total", T::kCounter, "Requests refused because a model's queue was full.");
  m.declare("coreinfer_time_to_first_token_seconds", T::kHistogram, "From arrival to the first generated token.",
            latency_buckets());
  m.declare("coreinfer_time_per_output_token_seconds", T::kHistogram, "Mean time between generated tokens of a request.",
            latency_buckets());
  m.declare("coreinfer_e2e_request_latency_seconds", T::kHistogram, "From arrival to the last generated token.",
            latency_buckets());
  m.declare("coreinfer_queue_wait_seconds", T::kHistogram, "From arrival to taking a KV-cache slot.", latency_buckets());
  m.declare("coreinfer_prompt_tokens_total", T::kCounter, "Prompt tokens processed.");
  m.declare("coreinfer_generated_tokens_total", T::kCounter, "Tokens generated.");
  m.declare("coreinfer_requests_running", T::kGauge, "Requests holding a KV-cache slot.");
  m.declare("coreinfer_requests_queued", T::kGauge, "Requests waiting for a KV-cache slot.");
  m.declare("coreinfer_batch_size", T::kHistogram, "Tokens per forward call, by phase (prefill, decode).",
            {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024});
  m.declare("coreinfer_kv_cache_usage_ratio", T::kGauge, "Fraction of the KV cache's token positions in use.");
  m.declare("coreinfer_kv_cache_tokens", T::kGauge, "KV-cache token positions in use.");
  m.declare("coreinfer_model_cpu_seconds_total", T::kCounter, "CPU time of a model's compute threads.");
  m.declare("coreinfer_ready", T::kGauge, "1 when every model is loaded and the server is not draining.");
}

class Server {
 public:
  explicit Server(const ServeConfig& config)
      : ctx_(config),
        router_([](int status, const std::string& path, const std::string& message) {
          ApiError e{status, "invalid_request_error", status == 404 ? "not_found" : "method_not_allowed", "", message};
          return error_response(e, path);
        }) {
    declare_metrics(ctx_.metrics);
    ServerContext* s = &ctx_;
    ctx_.metrics.add_collector([s](MetricsRegistry& m) {
      m.set("coreinfer_ready", {}, s->ready() ? 1 : 0);
      if (!s->loaded.load(std::memory_order_acquire)) return;
      for (const auto& [name, e] : s->llms) {
        const SchedulerStats st = e->scheduler().stats();
        const Labels l{{"model", name}};
        m.set("coreinfer_requests_running", l, st.running);
        m.set("coreinfer_requests_queued", l, st.queued);
        m.set("coreinfer_kv_cache_tokens", l, static_cast<double>(st.kv_tokens_used));
        m.set("coreinfer_kv_cache_usage_ratio", l,
              st.kv_tokens_total > 0 ? static_cast<double>(st.kv_tokens_used) / static_cast<double>(st.kv_tokens_total) : 0);
        m.set("coreinfer_model_cpu_seconds_total", l, st.cpu_seconds);
      }
      for (const auto& [name, e] : s->tensor_models) {
        const TensorEngineStats st = e->stats();
        m.set("coreinfer_requests_running", {{"model", name}}, st.running);
        m.set("coreinfer_requests_queued", {{"model", name}}, st.queued);
      }
    });
    router_.add("GET", "/health", [s](HttpRequest&) {
      HttpResponse r;
      r.body = dump_json({{"status", s->draining.load() ? "draining" : (s->loaded.load() ? "ok" : "loading")}});
      return r;
    });
    router_.add("GET", "/metrics", [s](HttpRequest&) {
      HttpResponse r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = s->metrics.render();
      return r;
    });
    openai::add_routes(router_, ctx_);
    kserve::add_routes(router_, ctx_);
  }

  int run();

 private:
  HttpResponse handle(HttpRequest& req);
  void load_models();

  ServerContext ctx_;
  http::Router router_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool load_failed_ = false;
};

bool open_path(const std::string& path) {
  return path == "/health" || path == "/v2/health/live" || path == "/v2/health/ready";
}

HttpResponse Server::handle(HttpRequest& req) {
  const Clock::time_point t0 = Clock::now();
  ctx_.in_flight.fetch_add(1);
  HttpResponse res;
  if (!open_path(req.path) && !ctx_.auth.allows(req.header("authorization"))) {
    res = error_response(unauthorized("missing or wrong API key: send 'Authorization: Bearer <key>'"), req.path);
  } else {
    try {
      res = router_.dispatch(req);
    } catch (const std::exception& e) {
      res = error_response(internal(std::string("internal error: ") + e.what()), req.path);
    }
  }
  std::string route = router_.route_of(req.method == "HEAD" ? "GET" : req.method, req.path);
  if (route.empty()) route = "other";
  auto finish = [this, route, t0](const HttpRequest& r, int status) {
    const double seconds = since(t0);
    ctx_.metrics.add("coreinfer_http_requests_total",
                     {{"route", route}, {"model", r.notes->model}, {"status", std::to_string(status)}});
    ctx_.metrics.observe("coreinfer_http_request_duration_seconds", {{"route", route}}, seconds);
    log_request(r, status, seconds);
    ctx_.in_flight.fetch_sub(1);
  };
  if (!res.stream) {
    finish(req, res.status);
    return res;
  }
  // A streamed body ends later, on the connection's thread; the guard runs when the body's
  // writer is destroyed, even if the library never called it (the client left first).
  struct Guard {
    std::function<void()> fn;
    ~Guard() { fn(); }
  };
  HttpRequest copy;
  copy.method = req.method;
  copy.path = req.path;
  copy.remote = req.remote;
  copy.notes = req.notes;
  const int status = res.status;
  auto guard = std::make_shared<Guard>();
  guard->fn = [finish, copy, status] { finish(copy, status); };
  res.stream = [inner = std::move(res.stream), guard](http::StreamSink& sink) { inner(sink); };
  return res;
}

void Server::load_models() {
  for (const ModelSpec& spec : ctx_.config.models) {
    log::info("loading model '" + spec.name + "' from " + spec.path);
    Status status;
    if (spec.is_tensor_model()) {
      auto engine = TensorEngine::load(spec, &ctx_.metrics);
      if (engine.is_ok()) ctx_.tensor_models[spec.name] = std::move(*engine);
      status = engine.status();
    } else {
      auto engine = LlmEngine::load(spec, &ctx_.metrics);
      if (engine.is_ok()) ctx_.llms[spec.name] = std::move(*engine);
      status = engine.status();
    }
    if (!status.is_ok()) {
      log::error("model '" + spec.name + "' (" + spec.path + "): " + status.message());
      std::fprintf(stderr, "coreinfer: model '%s' (%s): %s\n", spec.name.c_str(), spec.path.c_str(),
                   status.message().c_str());
      std::lock_guard lock(mutex_);
      load_failed_ = true;
      cv_.notify_all();
      return;
    }
  }
  ctx_.loaded.store(true, std::memory_order_release);
  log::info("all models loaded; ready");
}

int Server::run() {
  // The signals are taken synchronously by this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  http::HttpServerOptions ho;
  ho.max_body_bytes = ctx_.config.max_body_bytes;
  ho.threads = ctx_.config.http_threads;
  http::HttpServer http(
      ho, [this](HttpRequest& r) { return handle(r); },
      [](const std::string& path, int status) {
        std::string message = "the request could not be handled (HTTP " + std::to_string(status) + ")";
        if (status == 413) message = "the request body is too large; this server accepts at most the configured max_body_bytes";
        if (status == 400) message = "malformed HTTP request";
        if (status == 414) message = "the request line is too long";
        ApiError e{status, status >= 500 ? "server_error" : "invalid_request_error", "", "", message};
        return path.rfind("/v2", 0) == 0 ? kserve_error_json(e) : openai_error_json(e);
      });
  auto port = http.bind(ctx_.config.host, ctx_.config.port);
  if (!port.is_ok()) {
    std::fprintf(stderr, "coreinfer: %s\n", port.status().message().c_str());
    return 1;
  }
  std::printf("coreinfer serve: listening on http://%s:%d\n", ctx_.config.host.c_str(), *port);
  std::fflush(stdout);
  log::info("listening on http://" + ctx_.config.host + ":" + std::to_string(*port));

  std::thread http_thread([&] { http.serve(); });
  std::thread loader([this] { load_models(); });

  int exit_code = 0;
  for (;;) {
    timespec wait{0, 100'000'000};
    const int sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig == SIGTERM || sig == SIGINT) {
      log::info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + "; draining");
      break;
    }
    std::lock_guard lock(mutex_);
    if (load_failed_) {
      exit_code = 1;
      break;
    }
  }
  loader.join();

  // Drain: not ready, new work refused; wait for requests in flight up to the grace period.
  ctx_.draining.store(true);
  const Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(ctx_.config.grace_period_seconds));
  while (ctx_.in_flight.load() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (ctx_.in_flight.load() > 0) {
    log::warn("grace period over; cancelling " + std::to_string(ctx_.in_flight.load()) + " requests");
    for (auto& [name, e] : ctx_.llms) e->scheduler().cancel_all();
    for (auto& [name, e] : ctx_.tensor_models) e->stop();
  }
  http.stop();
  http_thread.join();
  for (auto& [name, e] : ctx_.llms) e->scheduler().stop();
  for (auto& [name, e] : ctx_.tensor_models) e->stop();
  log::info("stopped");
  return exit_code;
}

}  // namespace

int run_server(const ServeConfig& config) {
  Server server(config);
  return server.run();
}

}  // namespace coreinfer::server
