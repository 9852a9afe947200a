// The HTTP request and response as the server's handlers see them. Nothing here names the
// HTTP library underneath (see http_server.h), so it can be replaced.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coreinfer::server::http {

// What a handler leaves for the access log and the metrics (shared with a streamed body,
// which finishes after the handler returned).
struct RequestNotes {
  std::string model;
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::string body;
  std::multimap<std::string, std::string> headers;  // names in lower case
  std::map<std::string, std::string> path_params;   // filled by the router: "{model}" -> value
  std::string remote;                                // "ip:port"
  // True while the client is still connected (a cheap, non-blocking check).
  std::function<bool()> client_connected = [] { return true; };
  std::shared_ptr<RequestNotes> notes = std::make_shared<RequestNotes>();

  // The first header named `name` (lower case), or "".
  std::string header(std::string_view name) const;
};

// Writes the body of a streamed response. write() returns false once the client is gone.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual bool write(std::string_view data) = 0;
  virtual bool client_connected() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the status and headers are sent first and this writes the body (chunked) on the
  // connection's thread; `body` is ignored.
  std::function<void(StreamSink&)> stream;
};

using Handler = std::function<HttpResponse(HttpRequest&)>;

}  // namespace coreinfer::server::http
