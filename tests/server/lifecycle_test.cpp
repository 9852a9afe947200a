// The server as a process: auth, backpressure, cancellation, draining on SIGTERM, metrics,
// configuration files, and surviving a stream of malformed requests.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <thread>

#include "server/server_process.h"
#include "support/test_support.h"

namespace coreinfer::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const json kLong = {{"model", "stories"}, {"prompt", "Once upon a time"}, {"max_tokens", 2000}, {"temperature", 0},
                    {"ignore_eos", true}};

// Sends a raw HTTP request on a new socket and returns the socket (the caller closes it).
int send_raw(int port, const std::string& path, const std::string& body) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  const std::string req = "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) return -1;
  return fd;
}

double metric_value(const std::string& metrics, const std::string& series) {
  const size_t at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::atof(metrics.c_str() + at + series.size() + 2);
}

TEST(ServerLifecycle, ApiKeyIsRequiredExceptForHealth) {
  ServerProcess s({"--model", "stories=" + stories_model(), "--api-key", "sekret"});
  auto c = s.client();
  const json req = {{"model", "stories"}, {"prompt", "Lily"}, {"max_tokens", 2}};
  auto r = post_json(*c, "/v1/completions", req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json::parse(r->body)["error"]["type"], "authentication_error");
  r = post_json(*c, "/v1/completions", req, {{"Authorization", "Bearer wrong"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = post_json(*c, "/v1/completions", req, {{"Authorization", "Bearer sekretX"}});
  EXPECT_EQ(r->status, 401);
  r = post_json(*c, "/v1/completions", req, {{"Authorization", "Bearer sekret"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = c->Get("/v2/models/stories");
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json::parse(r->body)["error"].is_string(), true);  // KServe's error shape
  EXPECT_EQ(c->Get("/health")->status, 200);
  EXPECT_EQ(c->Get("/v2/health/ready")->status, 200);
}

TEST(ServerLifecycle, FullQueueAnswers429WithRetryAfterAtOnce) {
  ServerProcess s({"--model", "stories=" + stories_model(), "--parallel", "1", "--queue-size", "1"});
  auto running = std::async(std::launch::async, [&] { return post_json(*s.client(), "/v1/completions", kLong)->status; });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  auto queued = std::async(std::launch::async, [&] { return post_json(*s.client(), "/v1/completions", kLong)->status; });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const auto t0 = Clock::now();
  auto r = post_json(*s.client(), "/v1/completions", kLong);
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429) << r->body;
  EXPECT_EQ(r->get_header_value("Retry-After"), "1");
  EXPECT_EQ(json::parse(r->body)["error"]["type"], "rate_limit_error");
  EXPECT_LT(seconds, 0.5);
  EXPECT_EQ(running.get(), 200);
  EXPECT_EQ(queued.get(), 200);
}

TEST(ServerLifecycle, ClientThatDisconnectsFreesItsSlot) {
  ServerProcess s({"--model", "stories=" + stories_model(), "--parallel", "1"});
  json streamed = kLong;
  streamed["stream"] = true;
  streamed["max_tokens"] = 2000;
  const int fd = send_raw(s.port(), "/v1/completions", streamed.dump());
  ASSERT_GE(fd, 0);
  char buf[256];
  ASSERT_GT(read(fd, buf, sizeof buf), 0);  // the stream started
  close(fd);
  // The one slot is free again: a short request runs.
  auto r = post_json(*s.client(), "/v1/completions", {{"model", "stories"}, {"prompt", "Lily"}, {"max_tokens", 5},
                                                       {"ignore_eos", true}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // The abandoned request stopped long before its 2000 tokens.
  const std::string m = s.client()->Get("/metrics")->body;
  const double generated = metric_value(m, "coreinfer_generated_tokens_total{model=\"stories\"}");
  EXPECT_GT(generated, 0);
  EXPECT_LT(generated, 1500) << m;
  // The same with a non-streamed request.
  const int fd2 = send_raw(s.port(), "/v1/completions", kLong.dump());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  close(fd2);
  r = post_json(*s.client(), "/v1/completions", {{"model", "stories"}, {"prompt", "Lily"}, {"max_tokens", 5}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(ServerLifecycle, SigtermDrainsInFlightRequestsAndExitsZero) {
  ServerProcess s({"--model", "stories=" + stories_model(), "--grace-period", "20"});
  json streamed = kLong;
  streamed["stream"] = true;
  auto in_flight = std::async(std::launch::async, [&] { return post_json(*s.client(), "/v1/completions", streamed); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(s.pid(), SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto c = s.client();
  auto ready = c->Get("/v2/health/ready");
  auto fresh = post_json(*c, "/v1/completions", {{"model", "stories"}, {"prompt", "Lily"}, {"max_tokens", 2}});
  auto r = in_flight.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(sse_payloads(r->body).back(), "[DONE]");
  EXPECT_NE(r->body.find("\"finish_reason\":\"length\""), std::string::npos);
  if (ready) {
    EXPECT_EQ(ready->status, 503);     // draining: not ready
  }
  if (fresh) {
    EXPECT_EQ(fresh->status, 503);     // no new work
  }
  EXPECT_EQ(s.terminate_and_wait(30), 0) << s.log();
}

TEST(ServerLifecycle, GracePeriodOverCancelsAndExitsZero) {
  ServerProcess s({"--model", "stories=" + stories_model(), "--grace-period", "0"});
  json streamed = kLong;
  streamed["stream"] = true;
  auto in_flight = std::async(std::launch::async, [&] { return post_json(*s.client(), "/v1/completions", streamed); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(s.terminate_and_wait(30), 0) << s.log();
  in_flight.get();
}

TEST(ServerLifecycle, JsonLogsHaveOneObjectPerRequestWithItsFields) {
  ServerProcess s({"--model", "stories=" + stories_model(), "--log-format", "json"});
  auto c = s.client();
  auto ok = post_json(*c, "/v1/completions", {{"model", "stories"}, {"prompt", "Lily"}, {"max_tokens", 4}});
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 200);
  EXPECT_EQ(s.terminate_and_wait(30), 0);
  bool found = false;
  std::istringstream lines(s.log());
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;  // the port line
    const json j = json::parse(line);  // every log line is one JSON object
    if (j.value("msg", "") != "request" || j.value("path", "") != "/v1/completions") continue;
    found = true;
    EXPECT_EQ(j["method"], "POST");
    EXPECT_EQ(j["model"], "stories");
    EXPECT_EQ(j["status"], 200);
    EXPECT_EQ(j["completion_tokens"], 4);
    EXPECT_GT(j["prompt_tokens"].get<int>(), 0);
    EXPECT_TRUE(j["latency_ms"].is_number());
    EXPECT_TRUE(j["remote"].is_string());
  }
  EXPECT_TRUE(found) << s.log();
}

TEST(ServerLifecycle, MetricsPassPromtool) {
  ServerProcess s({"--model", "stories=" + stories_model()});
  auto c = s.client();
  post_json(*c, "/v1/completions", {{"model", "stories"}, {"prompt", "Lily"}, {"max_tokens", 8}});
  post_json(*c, "/v1/chat/completions", {{"model", "stories"}, {"messages", "bad"}});
  auto r = c->Get("/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const std::string& m = r->body;
  for (const char* name : {"coreinfer_http_requests_total", "coreinfer_time_to_first_token_seconds_bucket",
                           "coreinfer_time_per_output_token_seconds_bucket", "coreinfer_e2e_request_latency_seconds_bucket",
                           "coreinfer_queue_wait_seconds_bucket", "coreinfer_prompt_tokens_total",
                           "coreinfer_generated_tokens_total", "coreinfer_requests_running", "coreinfer_requests_queued",
                           "coreinfer_batch_size_bucket", "coreinfer_kv_cache_usage_ratio", "coreinfer_model_cpu_seconds_total"}) {
    EXPECT_NE(m.find(name), std::string::npos) << name;
  }
  EXPECT_NE(m.find("coreinfer_http_requests_total{route=\"/v1/completions\",model=\"stories\",status=\"200\"} 1"),
            std::string::npos) << m;
  EXPECT_NE(m.find("status=\"400\""), std::string::npos);
  EXPECT_GT(metric_value(m, "coreinfer_model_cpu_seconds_total{model=\"stories\"}"), 0);
  if (system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package 'prometheus'; scripts/setup.sh installs it)";
  }
  char path[] = "/tmp/coreinfer-metrics-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_EQ(write(fd, m.data(), m.size()), static_cast<ssize_t>(m.size()));
  close(fd);
  const std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int rc = pclose(p);
  unlink(path);
  EXPECT_EQ(rc, 0) << out << "\n" << m;
}

TEST(ServerLifecycle, ConfigFileNamesModelsAndKeys) {
  char path[] = "/tmp/coreinfer-config-XXXXXX";
  const int fd = mkstemp(path);
  close(fd);
  std::ofstream(path) << "api_keys: [k1, k2]\nmodels:\n  tiny:\n    path: " << tiny_model()
                      << "\n    threads: 1\n    ctx_size: 256\n    parallel: 2\n  stories: " << stories_model() << "\n";
  {
    ServerProcess s({"--config", path});
    auto c = s.client();
    auto r = c->Get("/v1/models", {{"Authorization", "Bearer k2"}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const json j = json::parse(r->body);
    ASSERT_EQ(j["data"].size(), 2u);
    auto t = post_json(*c, "/v1/completions", {{"model", "tiny"}, {"prompt", "Once"}, {"max_tokens", 4}},
                       {{"Authorization", "Bearer k1"}});
    ASSERT_TRUE(t);
    EXPECT_EQ(t->status, 200) << t->body;
  }
  std::ofstream(path) << "models:\n  x:\n    path: a.gguf\n    colour: red\n";
  ServerProcess bad({"--config", path}, ServerProcess::Start::kMayFail);
  EXPECT_FALSE(bad.started());
  EXPECT_NE(bad.log().find("colour"), std::string::npos) << bad.log();
  unlink(path);
}

TEST(ServerLifecycle, SurvivesHundredsOfMixedRequests) {
  ServerProcess s({"--model", "stories=" + stories_model(), "--parallel", "4", "--max-body-bytes", "65536"});
  std::mt19937 rng(1234);
  const std::vector<std::string> paths = {"/v1/completions", "/v1/chat/completions", "/v1/embeddings",
                                          "/v2/models/stories/infer", "/v1/models", "/nope"};
  const std::vector<std::string> bodies = {
      "", "{", "null", "[]", "\"x\"", "{\"model\":null}", "{\"model\":\"stories\",\"prompt\":{}}",
      "{\"model\":\"stories\",\"prompt\":\"\xc3\x28\"}", "{\"model\":\"stories\",\"messages\":[{\"role\":\"user\"}]}",
      "{\"model\":\"stories\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\"}]}]}",
      "{\"model\":\"stories\",\"prompt\":\"Lily\",\"max_tokens\":3}",
      "{\"model\":\"stories\",\"prompt\":\"Lily\",\"max_tokens\":3,\"stream\":true}",
      "{\"model\":\"stories\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":3}",
      "{\"model\":\"stories\",\"input\":\"Lily\"}",
      "{\"inputs\":[{\"name\":\"text_input\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"Lily\"]}],\"parameters\":{\"max_tokens\":3}}",
      "{\"inputs\":[{\"name\":\"text_input\",\"datatype\":\"FP32\",\"shape\":[1000000000000],\"data\":[1]}]}",
      "{\"model\":\"stories\",\"prompt\":[1,2,3],\"max_tokens\":2,\"temperature\":1e309}",
  };
  int ok = 0, client_errors = 0;
  for (int i = 0; i < 300; ++i) {
    auto c = s.client();
    const std::string& path = paths[rng() % paths.size()];
    std::string body = bodies[rng() % bodies.size()];
    if (rng() % 5 == 0 && !body.empty()) body[rng() % body.size()] = static_cast<char>(rng() % 256);
    auto r = path == "/v1/models" ? c->Get(path.c_str()) : c->Post(path.c_str(), body, "application/json");
    ASSERT_TRUE(r) << path << " " << body;
    ASSERT_TRUE(r->status == 200 || (r->status >= 400 && r->status < 500)) << r->status << " " << path << " " << body
                                                                           << "\n" << r->body;
    if (r->status == 200) ++ok;
    else {
      ++client_errors;
      EXPECT_TRUE(json::parse(r->body, nullptr, false).contains("error")) << r->body;
    }
  }
  EXPECT_GT(ok, 20);
  EXPECT_GT(client_errors, 50);
  EXPECT_TRUE(s.alive());
  EXPECT_EQ(s.client()->Get("/health")->status, 200);
}

}  // namespace
}  // namespace coreinfer::testing
