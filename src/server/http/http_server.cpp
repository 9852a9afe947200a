#include "server/http/http_server.h"

#include <httplib.h>

#include <cctype>

#include "server/http/connection_probe.h"

namespace coreinfer::server::http {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class SinkAdapter final : public StreamSink {
 public:
  SinkAdapter(httplib::DataSink& sink, std::function<bool()> connected) : sink_(sink), connected_(std::move(connected)) {}
  bool write(std::string_view data) override {
    if (failed_) return false;
    if (data.empty()) return true;
    failed_ = !sink_.write(data.data(), data.size());
    return !failed_;
  }
  bool client_connected() override { return !failed_ && connected_(); }

 private:
  httplib::DataSink& sink_;
  std::function<bool()> connected_;
  bool failed_ = false;
};

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  ErrorBodyFn error_body;
  httplib::Server svr;

  void handle(const httplib::Request& req, httplib::Response& res) {
    HttpRequest r;
    r.method = req.method;
    r.path = req.path;
    r.body = req.body;
    for (const auto& [k, v] : req.headers) r.headers.emplace(lower(k), v);
    r.remote = req.remote_addr + ":" + std::to_string(req.remote_port);
    auto probe = std::make_shared<std::unique_ptr<ConnectionProbe>>();
    const std::string ip = req.remote_addr;
    const int port = req.remote_port;
    std::function<bool()> connected = [probe, ip, port] {
      if (!*probe) *probe = std::make_unique<ConnectionProbe>(ip, port);
      return (*probe)->connected();
    };
    r.client_connected = connected;
    HttpResponse out = handler(r);
    res.status = out.status;
    for (const auto& [k, v] : out.headers) res.set_header(k, v);
    if (out.stream) {
      auto stream = std::make_shared<std::function<void(StreamSink&)>>(std::move(out.stream));
      res.set_chunked_content_provider(out.content_type, [stream, connected](size_t, httplib::DataSink& sink) {
        SinkAdapter adapter(sink, connected);
        (*stream)(adapter);
        sink.done();
        return true;
      });
    } else {
      res.set_content(out.body, out.content_type);
    }
  }
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler, ErrorBodyFn error_body)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->handler = std::move(handler);
  impl_->error_body = std::move(error_body);
  Impl* impl = impl_.get();
  httplib::Server& svr = impl->svr;
  const int threads = options.threads > 0 ? options.threads : 64;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  svr.set_tcp_nodelay(true);  // small responses and SSE chunks go out at once, not after a delayed ACK
  svr.set_payload_max_length(options.max_body_bytes);
  svr.set_read_timeout(options.read_timeout_seconds);
  svr.set_write_timeout(options.write_timeout_seconds);
  svr.set_keep_alive_timeout(options.keep_alive_seconds);
  svr.set_keep_alive_max_count(1000);
  auto h = [impl](const httplib::Request& req, httplib::Response& res) { impl->handle(req, res); };
  svr.Get(".*", h);
  svr.Post(".*", h);
  svr.Put(".*", h);
  svr.Patch(".*", h);
  svr.Delete(".*", h);
  svr.Options(".*", h);
  httplib::Server::HandlerWithResponse on_error = [impl](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.content_provider_) return httplib::Server::HandlerResponse::Unhandled;
    res.set_content(impl->error_body(req.path, res.status), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  };
  svr.set_error_handler(on_error);
  svr.set_exception_handler([impl](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(impl->error_body(req.path, 500), "application/json");
  });
}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::bind(const std::string& host, int port) {
  if (port == 0) {
    const int p = impl_->svr.bind_to_any_port(host);
    if (p <= 0) return io_error("cannot listen on " + host + " (any port)");
    return p;
  }
  if (!impl_->svr.bind_to_port(host, port)) {
    return io_error("cannot listen on " + host + ":" + std::to_string(port) +
                    " (in use, or not an address of this machine); choose another --host/--port");
  }
  return port;
}

void HttpServer::serve() { impl_->svr.listen_after_bind(); }

void HttpServer::stop() { impl_->svr.stop(); }

}  // namespace coreinfer::server::http
