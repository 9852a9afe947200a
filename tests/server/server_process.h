// Starts the real `coreinfer serve` on a free loopback port (--port 0; the port is read from
// the first line it prints), waits until it is ready, and stops it at the end.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace coreinfer::testing {

class ServerProcess {
 public:
  // Extra arguments after `serve --port 0`. Waits for /v2/health/ready (fails the test if
  // the server does not get there in time).
  enum class Start { kReady, kMayFail };  // kMayFail: neither wait nor fail the test if it does not start
  explicit ServerProcess(const std::vector<std::string>& args, Start start = Start::kReady);
  ~ServerProcess();  // SIGTERM, then SIGKILL if it does not exit

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool started() const { return port_ > 0; }
  std::unique_ptr<httplib::Client> client(int read_timeout_seconds = 60) const;

  // Sends SIGTERM and waits for the exit status (-1 on timeout).
  int terminate_and_wait(int timeout_seconds = 30);
  // Whether the process is still running.
  bool alive();
  // The server's stderr so far (its logs).
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string err_path_;
  bool reaped_ = false;
};

// POST a JSON body; the response (nullptr result on a connection error).
httplib::Result post_json(httplib::Client& c, const std::string& path, const nlohmann::json& body,
                          const httplib::Headers& headers = {});
// The "data:" payloads of a server-sent-events body, in order.
std::vector<std::string> sse_payloads(const std::string& body);

std::string stories_model();
std::string tiny_model();  // a quantised tiny Llama from tests/data/llm/tiny

}  // namespace coreinfer::testing
