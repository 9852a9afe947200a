#include "server/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace coreinfer::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Reads the first line of `fd` within the deadline.
std::string read_line(int fd, Clock::time_point deadline) {
  std::string line;
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char c;
    const ssize_t n = read(fd, &c, 1);
    if (n <= 0) break;
    if (c == '\n') return line;
    line += c;
  }
  return line;
}

}  // namespace

std::string stories_model() { return asset_path("models/stories260K.gguf"); }
std::string tiny_model() { return data_path("llm/tiny/tiny-llama2-Q4_K_M.gguf"); }

ServerProcess::ServerProcess(const std::vector<std::string>& args, Start start) {
  char tmpl[] = "/tmp/coreinfer-serve-XXXXXX";
  const int err_fd = mkstemp(tmpl);
  err_path_ = tmpl;
  int out_pipe[2];
  if (pipe(out_pipe) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_fd, 2);
    close(out_pipe[0]);
    std::vector<std::string> all = {COREINFER_BINARY, "serve", "--port", "0"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_fd);
  const std::string line = read_line(out_pipe[0], Clock::now() + std::chrono::seconds(30));
  close(out_pipe[0]);  // the server writes nothing more to stdout
  const size_t colon = line.rfind(':');
  if (line.find("listening on") == std::string::npos || colon == std::string::npos) {
    if (start == Start::kMayFail) {
      waitpid(pid_, nullptr, 0);
      reaped_ = true;
      return;
    }
    ADD_FAILURE() << "the server did not start: '" << line << "'\n" << log();
    return;
  }
  port_ = std::atoi(line.c_str() + colon + 1);
  if (start == Start::kMayFail) return;
  auto c = client(5);
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    auto r = c->Get("/v2/health/ready");
    if (r && r->status == 200) return;
    if (!alive()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "the server did not become ready\n" << log();
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !reaped_) {
    if (terminate_and_wait(30) == -1) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  unlink(err_path_.c_str());
}

std::unique_ptr<httplib::Client> ServerProcess::client(int read_timeout_seconds) const {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
  c->set_read_timeout(read_timeout_seconds, 0);
  c->set_connection_timeout(5, 0);
  return c;
}

int ServerProcess::terminate_and_wait(int timeout_seconds) {
  if (reaped_) return -1;
  kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

bool ServerProcess::alive() {
  if (reaped_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

std::string ServerProcess::log() const {
  std::ifstream in(err_path_);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

httplib::Result post_json(httplib::Client& c, const std::string& path, const nlohmann::json& body,
                          const httplib::Headers& headers) {
  return c.Post(path.c_str(), headers, body.dump(), "application/json");
}

std::vector<std::string> sse_payloads(const std::string& body) {
  std::vector<std::string> out;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("data: ", 0) == 0) out.push_back(line.substr(6));
  }
  return out;
}

}  // namespace coreinfer::testing
