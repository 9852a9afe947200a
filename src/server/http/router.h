// Routes requests by method and path. Patterns are literal segments and "{name}" segments
// that capture one path segment into HttpRequest::path_params. A path that matches no
// pattern gives `not_found`; a path that matches only under another method gives
// `method_not_allowed` (with an Allow header).
#pragma once

#include <string>
#include <vector>

#include "server/http/http_types.h"

namespace coreinfer::server::http {

class Router {
 public:
  // Builds the error response for a status (404 or 405) and path.
  using ErrorFn = std::function<HttpResponse(int status, const std::string& path, const std::string& message)>;
  explicit Router(ErrorFn error) : error_(std::move(error)) {}

  void add(std::string method, const std::string& pattern, Handler handler);
  HttpResponse dispatch(HttpRequest& request) const;
  // The matched pattern of a path (for metrics labels: bounded cardinality); "" if none.
  std::string route_of(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  static std::vector<std::string> split(const std::string& path);
  static bool match(const Route& r, const std::vector<std::string>& segs, std::map<std::string, std::string>* params);

  std::vector<Route> routes_;
  ErrorFn error_;
};

}  // namespace coreinfer::server::http
