// A load generator for `coreinfer serve` (or any OpenAI-compatible server): for each
// concurrency level C, C client threads each send a fixed number of /v1/completions requests one
// after another (greedy, ignore_eos, so every request generates exactly --max-tokens tokens), and
// it reports the aggregate generated tokens/s and the per-request latency percentiles.
//   coreinfer_loadgen --url http://127.0.0.1:8080 --model llm --concurrency 1,4,8
//                     --requests-per-client 8 --max-tokens 64 [--stream] [--json]
// Only loopback addresses are accepted: this is a benchmark for a server on this machine, not
// a tool to load someone else's.
#include <CLI/CLI.hpp>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace coreinfer::loadgen {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
  std::string url;
  std::string model;
  std::vector<int> concurrency = {1, 4, 8};
  int requests_per_client = 8;
  int max_tokens = 64;
  int warmup = 1;
  int timeout_seconds = 600;
  std::string prompt = "Once upon a time, there was a little girl named Lily who loved to play in the park.";
  int prompt_tokens = 0;  // > 0: send this many token ids instead of the text (exact prompt length)
  bool stream = false;
  bool json_output = false;
};

struct Endpoint {
  std::string host;
  int port = 0;
};

// Hosts that can only mean this machine.
bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8 as a dotted quad.
  int a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  if (std::sscanf(host.c_str(), "%d.%d.%d.%d%c", &a, &b, &c, &d, &tail) != 4) return false;
  auto octet = [](int v) { return v >= 0 && v <= 255; };
  return a == 127 && octet(b) && octet(c) && octet(d);
}

// http://HOST:PORT[/] with HOST a loopback name or address ([::1] for IPv6).
std::optional<Endpoint> parse_url(const std::string& url, std::string* error) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    *error = "the URL must start with http:// (got '" + url + "')";
    return std::nullopt;
  }
  std::string rest = url.substr(scheme.size());
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    if (rest.substr(slash) != "/") {
      *error = "the URL must not have a path (the load generator posts to /v1/completions): '" + url + "'";
      return std::nullopt;
    }
    rest.resize(slash);
  }
  Endpoint e;
  std::string port;
  if (!rest.empty() && rest[0] == '[') {  // [IPv6]:port
    const auto close = rest.find(']');
    if (close == std::string::npos) {
      *error = "unbalanced '[' in the URL '" + url + "'";
      return std::nullopt;
    }
    e.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
    e.host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  } else {
    e.host = rest;
  }
  if (port.empty()) {
    e.port = 80;
  } else {
    try {
      size_t used = 0;
      e.port = std::stoi(port, &used);
      if (used != port.size() || e.port < 1 || e.port > 65535) throw std::out_of_range("port");
    } catch (const std::exception&) {
      *error = "bad port '" + port + "' in the URL '" + url + "'";
      return std::nullopt;
    }
  }
  if (!is_loopback(e.host)) {
    *error = "refusing the non-loopback host '" + e.host +
             "': the load generator only talks to servers on this machine (127.0.0.1, localhost, ::1)";
    return std::nullopt;
  }
  return e;
}

std::unique_ptr<httplib::Client> make_client(const Endpoint& e, int timeout_seconds) {
  auto c = std::make_unique<httplib::Client>(e.host, e.port);
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(timeout_seconds, 0);
  c->set_write_timeout(30, 0);
  c->set_keep_alive(true);  // as real clients do: one connection per client thread
  c->set_tcp_nodelay(true);  // no Nagle delay waiting for the ACK of the headers (40 ms per request on loopback)
  return c;
}

// One request's outcome.
struct Sample {
  bool ok = false;
  std::string error;
  double latency_ms = 0;
  double ttft_ms = -1;  // streaming only
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

std::string request_body(const Options& o) {
  json prompt = o.prompt;
  if (o.prompt_tokens > 0) {
    // Ids 100..299 in turn: past the special and byte tokens of common vocabularies.
    prompt = json::array();
    for (int i = 0; i < o.prompt_tokens; ++i) prompt.push_back(100 + i % 200);
  }
  json body = {{"model", o.model},   {"prompt", prompt},     {"max_tokens", o.max_tokens},
               {"temperature", 0},   {"ignore_eos", true},   {"stream", o.stream}};
  if (o.stream) body["stream_options"] = {{"include_usage", true}};
  return body.dump();
}

// The server's error message from a JSON error body, else the body's start.
std::string error_text(int status, const std::string& body) {
  std::string msg = body.substr(0, 200);
  try {
    const json j = json::parse(body);
    if (j.contains("error") && j["error"].is_object() && j["error"].contains("message")) {
      msg = j["error"]["message"].get<std::string>();
    }
  } catch (const std::exception&) {
  }
  return "HTTP " + std::to_string(status) + ": " + msg;
}

bool read_usage(const json& j, Sample* s) {
  if (!j.contains("usage") || !j["usage"].is_object()) return false;
  const json& u = j["usage"];
  s->prompt_tokens = u.value("prompt_tokens", int64_t{0});
  s->completion_tokens = u.value("completion_tokens", int64_t{0});
  return true;
}

Sample send_plain(httplib::Client& c, const std::string& body) {
  Sample s;
  const auto t0 = Clock::now();
  auto r = c.Post("/v1/completions", body, "application/json");
  s.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  if (!r) {
    s.error = "no response: " + httplib::to_string(r.error());
    return s;
  }
  if (r->status != 200) {
    s.error = error_text(r->status, r->body);
    return s;
  }
  try {
    if (!read_usage(json::parse(r->body), &s)) {
      s.error = "the response has no usage";
      return s;
    }
  } catch (const std::exception& e) {
    s.error = std::string("bad JSON in the response: ") + e.what();
    return s;
  }
  s.ok = true;
  return s;
}

// Server-sent events: "data: {...}\n\n" chunks, the last "data: [DONE]". The time to first token
// is when the first chunk carrying a choice (generated text) arrives.
Sample send_stream(httplib::Client& c, const std::string& body) {
  Sample s;
  std::string buffer, stream_error;
  bool done = false, have_usage = false;
  const auto t0 = Clock::now();
  auto on_event = [&](const std::string& data) {
    if (data == "[DONE]") {
      done = true;
      return;
    }
    json j;
    try {
      j = json::parse(data);
    } catch (const std::exception& e) {
      stream_error = std::string("bad JSON in a stream event: ") + e.what();
      return;
    }
    if (j.contains("error")) {
      stream_error = "error event: " + j["error"].dump();
      return;
    }
    if (s.ttft_ms < 0 && j.contains("choices") && j["choices"].is_array() && !j["choices"].empty()) {
      s.ttft_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }
    if (read_usage(j, &s)) have_usage = true;
  };
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/completions";
  req.body = body;
  req.set_header("Content-Type", "application/json");
  req.set_header("Accept", "text/event-stream");
  std::string non_sse_body;  // an error answer is plain JSON
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    buffer.append(data, n);
    size_t end;
    while ((end = buffer.find("\n\n")) != std::string::npos) {
      const std::string event = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      size_t line_start = 0;
      while (line_start < event.size()) {
        size_t line_end = event.find('\n', line_start);
        if (line_end == std::string::npos) line_end = event.size();
        std::string line = event.substr(line_start, line_end - line_start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("data:", 0) == 0) {
          std::string payload = line.substr(5);
          if (!payload.empty() && payload[0] == ' ') payload.erase(0, 1);
          on_event(payload);
        }
        line_start = line_end + 1;
      }
    }
    return true;
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  const bool sent = c.send(req, res, err);
  s.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  if (!sent) {
    s.error = "no response: " + httplib::to_string(err);
    return s;
  }
  if (res.status != 200) {
    s.error = error_text(res.status, buffer);
    return s;
  }
  if (!stream_error.empty()) {
    s.error = stream_error;
  } else if (!done) {
    s.error = "the stream ended without [DONE]";
  } else if (!have_usage) {
    s.error = "the stream had no usage chunk";
  } else {
    s.ok = true;
  }
  return s;
}

// Linear interpolation between closest ranks; `v` sorted.
double percentile(const std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

struct LevelResult {
  int concurrency = 0;
  int requests = 0, errors = 0;
  int64_t prompt_tokens = 0, completion_tokens = 0;
  double wall_s = 0, tokens_per_s = 0;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
  double ttft_p50_ms = -1, ttft_p95_ms = -1;
  double decode_tps_p50 = -1;  // streaming: per request (tokens - 1) / (latency - TTFT), the median
  std::string first_error;
};

LevelResult run_level(const Endpoint& e, const Options& o, int concurrency) {
  const std::string body = request_body(o);
  std::vector<std::vector<Sample>> per_client(static_cast<size_t>(concurrency));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&, i] {
      auto client = make_client(e, o.timeout_seconds);
      auto& mine = per_client[static_cast<size_t>(i)];
      for (int r = 0; r < o.requests_per_client; ++r) {
        mine.push_back(o.stream ? send_stream(*client, body) : send_plain(*client, body));
      }
    });
  }
  for (auto& t : threads) t.join();
  LevelResult lr;
  lr.concurrency = concurrency;
  lr.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> latencies, ttfts, decode_rates;
  for (const auto& samples : per_client) {
    for (const Sample& s : samples) {
      ++lr.requests;
      if (!s.ok) {
        ++lr.errors;
        if (lr.first_error.empty()) lr.first_error = s.error;
        continue;
      }
      lr.prompt_tokens += s.prompt_tokens;
      lr.completion_tokens += s.completion_tokens;
      latencies.push_back(s.latency_ms);
      if (s.ttft_ms >= 0) {
        ttfts.push_back(s.ttft_ms);
        if (s.completion_tokens > 1 && s.latency_ms > s.ttft_ms) {
          decode_rates.push_back(static_cast<double>(s.completion_tokens - 1) / ((s.latency_ms - s.ttft_ms) / 1000.0));
        }
      }
    }
  }
  std::sort(latencies.begin(), latencies.end());
  std::sort(ttfts.begin(), ttfts.end());
  std::sort(decode_rates.begin(), decode_rates.end());
  if (!decode_rates.empty()) lr.decode_tps_p50 = percentile(decode_rates, 50);
  lr.tokens_per_s = lr.wall_s > 0 ? static_cast<double>(lr.completion_tokens) / lr.wall_s : 0;
  lr.p50_ms = percentile(latencies, 50);
  lr.p95_ms = percentile(latencies, 95);
  lr.p99_ms = percentile(latencies, 99);
  if (!ttfts.empty()) {
    lr.ttft_p50_ms = percentile(ttfts, 50);
    lr.ttft_p95_ms = percentile(ttfts, 95);
  }
  return lr;
}

json to_json(const LevelResult& r, const Options& o) {
  const int ok = r.requests - r.errors;
  json j = {{"concurrency", r.concurrency},
            {"requests", r.requests},
            {"errors", r.errors},
            {"max_tokens", o.max_tokens},
            {"stream", o.stream},
            {"prompt_tokens_mean", ok > 0 ? static_cast<double>(r.prompt_tokens) / ok : 0.0},
            {"completion_tokens", r.completion_tokens},
            {"wall_s", r.wall_s},
            {"tokens_per_s", r.tokens_per_s},
            {"p50_ms", r.p50_ms},
            {"p95_ms", r.p95_ms},
            {"p99_ms", r.p99_ms}};
  if (o.stream) {
    j["ttft_p50_ms"] = r.ttft_p50_ms;
    j["ttft_p95_ms"] = r.ttft_p95_ms;
    j["decode_tps_p50"] = r.decode_tps_p50;
  }
  if (!r.first_error.empty()) j["first_error"] = r.first_error;
  return j;
}

int run(const Options& o) {
  std::string error;
  const auto endpoint = parse_url(o.url, &error);
  if (!endpoint) {
    std::fprintf(stderr, "coreinfer_loadgen: %s\n", error.c_str());
    return 2;
  }
  // Reachable? /health answers on coreinfer, llama.cpp's server and most others.
  {
    auto c = make_client(*endpoint, 10);
    auto r = c->Get("/health");
    if (!r) {
      std::fprintf(stderr, "coreinfer_loadgen: cannot reach the server at %s (httplib error: %s; is it running?)\n",
                   o.url.c_str(), httplib::to_string(r.error()).c_str());
      return 2;
    }
  }
  // Warm-up requests (not counted): first-touch of the weights and buffers, connection set-up.
  Options plain = o;
  plain.stream = false;
  for (int i = 0; i < o.warmup; ++i) {
    auto c = make_client(*endpoint, o.timeout_seconds);
    const Sample s = send_plain(*c, request_body(plain));
    if (!s.ok) {
      std::fprintf(stderr, "coreinfer_loadgen: the warm-up request failed: %s\n", s.error.c_str());
      return 1;
    }
  }
  if (!o.json_output) {
    std::printf("%s, model %s, %d requests per client, %d tokens each, %s\n\n", o.url.c_str(), o.model.c_str(),
                o.requests_per_client, o.max_tokens, o.stream ? "streamed (SSE)" : "not streamed");
    std::printf("| streams | requests | errors | gen tokens | wall s | tokens/s | p50 ms | p95 ms | p99 ms |%s\n",
                o.stream ? " TTFT p50 ms | decode tok/s per stream |" : "");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|%s\n", o.stream ? "---:|---:|" : "");
    std::fflush(stdout);
  }
  int total_errors = 0;
  for (int level : o.concurrency) {
    const LevelResult r = run_level(*endpoint, o, level);
    total_errors += r.errors;
    if (o.json_output) {
      std::printf("%s\n", to_json(r, o).dump().c_str());
    } else {
      std::printf("| %d | %d | %d | %lld | %.2f | %.1f | %.0f | %.0f | %.0f |", r.concurrency, r.requests, r.errors,
                  static_cast<long long>(r.completion_tokens), r.wall_s, r.tokens_per_s, r.p50_ms, r.p95_ms, r.p99_ms);
      if (o.stream) std::printf(" %.0f | %.1f |", r.ttft_p50_ms, r.decode_tps_p50);
      std::printf("\n");
    }
    if (!r.first_error.empty()) std::fprintf(stderr, "  first error at %d streams: %s\n", level, r.first_error.c_str());
    std::fflush(stdout);
  }
  return total_errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace coreinfer::loadgen

int main(int argc, char** argv) {
  using coreinfer::loadgen::Options;
  std::signal(SIGPIPE, SIG_IGN);  // a server that drops the connection is an error, not a crash
  Options o;
  CLI::App app{"Load generator for an OpenAI-compatible server on this machine (POST /v1/completions)"};
  app.add_option("--url", o.url, "server base URL, loopback only, e.g. http://127.0.0.1:8080")->required();
  app.add_option("--model", o.model, "model name as served")->required();
  app.add_option("--concurrency", o.concurrency, "concurrent client streams per level, e.g. 1,4,8")
      ->delimiter(',')
      ->check(CLI::Range(1, 256));
  app.add_option("--requests-per-client", o.requests_per_client, "requests each client sends one after another")
      ->check(CLI::Range(1, 10000));
  app.add_option("--max-tokens", o.max_tokens, "tokens generated per request (greedy, ignore_eos)")
      ->check(CLI::Range(1, 1 << 16));
  app.add_option("--prompt", o.prompt, "prompt text");
  app.add_option("--prompt-tokens", o.prompt_tokens, "send N token ids as the prompt instead of the text")
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--warmup", o.warmup, "uncounted requests before the first level")->check(CLI::Range(0, 100));
  app.add_option("--timeout", o.timeout_seconds, "per-request read timeout in seconds")->check(CLI::Range(1, 86400));
  app.add_flag("--stream", o.stream, "stream the responses (SSE) and measure the time to first token");
  app.add_flag("--json", o.json_output, "one JSON object per concurrency level");
  CLI11_PARSE(app, argc, argv);
  return coreinfer::loadgen::run(o);
}
