// The table of API routes: "/api/pipelines/{id}/graph.svg" style patterns matched segment by
// segment against an already decoded request path.
#pragma once

#include <kek/http.h>

#include <libsoup/soup.h>

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace kek::core::http {

// A route whose body goes to a sink as it arrives (see kek::BodySink), with its own body limit.
struct StreamingRoute {
  int64_t max_body_bytes = 0;
  StreamingHttpHandler handler;
};

// A core route that writes its answer on the message itself (Server-Sent Events).
struct RawRoute {
  std::function<void(SoupServerMessage*, const HttpRequest&)> handler;
};

using RouteHandler =
    std::variant<HttpHandler, AsyncHttpHandler, StreamingRoute, RawRoute, std::shared_ptr<const WebSocketRoute>>;

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // literal text, or "{name}" for a parameter
  RouteHandler handler;
  int literal_count = 0;  // more literal segments = more specific
};

struct RouteMatch {
  enum class Kind { found, no_such_path, method_not_allowed };
  Kind kind = Kind::no_such_path;
  std::shared_ptr<const Route> route;  // shared: a handler may add routes while it runs
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed_methods;  // for 405's Allow header
};

class Router {
 public:
  // A second route with the same method and pattern replaces the first.
  void add(std::string method, std::string_view pattern, RouteHandler handler);
  // HEAD falls back to GET routes (libsoup leaves the body out of a HEAD answer).
  RouteMatch match(std::string_view method, const std::vector<std::string>& path) const;

 private:
  std::vector<std::shared_ptr<const Route>> routes_;
};

}  // namespace kek::core::http
