#include "server/http/router.h"

namespace coreinfer::server::http {

std::vector<std::string> Router::split(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    const size_t j = path.find('/', i);
    const size_t end = j == std::string::npos ? path.size() : j;
    if (end > i) out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

bool Router::match(const Route& r, const std::vector<std::string>& segs, std::map<std::string, std::string>* params) {
  if (r.segments.size() != segs.size()) return false;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& p = r.segments[i];
    if (p.size() >= 2 && p.front() == '{' && p.back() == '}') {
      if (params) (*params)[p.substr(1, p.size() - 2)] = segs[i];
    } else if (p != segs[i]) {
      return false;
    }
  }
  return true;
}

void Router::add(std::string method, const std::string& pattern, Handler handler) {
  routes_.push_back({std::move(method), pattern, split(pattern), std::move(handler)});
}

std::string Router::route_of(const std::string& method, const std::string& path) const {
  const auto segs = split(path);
  for (const Route& r : routes_) {
    if (r.method == method && match(r, segs, nullptr)) return r.pattern;
  }
  return "";
}

HttpResponse Router::dispatch(HttpRequest& request) const {
  const auto segs = split(request.path);
  std::string allowed;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match(r, segs, &params)) continue;
    if (r.method == request.method || (request.method == "HEAD" && r.method == "GET")) {
      request.path_params = std::move(params);
      return r.handler(request);
    }
    if (allowed.find(r.method) == std::string::npos) allowed += (allowed.empty() ? "" : ", ") + r.method;
  }
  if (!allowed.empty()) {
    HttpResponse res = error_(405, request.path, "method " + request.method + " is not allowed on " + request.path +
                                                     "; use " + allowed);
    res.headers.emplace_back("Allow", allowed);
    return res;
  }
  return error_(404, request.path, "no such endpoint: " + request.method + " " + request.path);
}

}  // namespace coreinfer::server::http
