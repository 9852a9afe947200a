// The HTTP/1.1 server: a thin wrapper over cpp-httplib (only http_server.cpp includes it).
// Every request goes to one handler (the router); the library's own errors (a body over the
// size limit, a malformed request line) are turned into JSON by `error_body`.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "core/status.h"
#include "server/http/http_types.h"

namespace coreinfer::server::http {

struct HttpServerOptions {
  size_t max_body_bytes = 8u << 20;
  int threads = 64;              // connection threads (each streaming response holds one)
  int read_timeout_seconds = 30;
  int write_timeout_seconds = 30;
  int keep_alive_seconds = 5;
};

// Builds the JSON error body for an error the library produced itself (status >= 400).
using ErrorBodyFn = std::function<std::string(const std::string& path, int status)>;

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Handler handler, ErrorBodyFn error_body);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket; port 0 picks a free one. Returns the bound port.
  Result<int> bind(const std::string& host, int port);
  // Accepts and serves until stop(); then waits for the connections in progress to finish.
  void serve();
  // Stops accepting (closes the listening socket). Thread-safe; serve() returns once the
  // connections in progress are done.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coreinfer::server::http
