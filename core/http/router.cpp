#define G_LOG_DOMAIN "kek-http"

#include "http/router.h"

#include <glib.h>

#include <algorithm>

namespace kek::core::http {
namespace {

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::vector<std::string> split_pattern(std::string_view pattern) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= pattern.size()) {
    size_t end = pattern.find('/', start);
    if (end == std::string_view::npos) end = pattern.size();
    if (end > start) segments.emplace_back(pattern.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// Fills `params` when every segment fits; literal segments compare against decoded text.
bool matches(const Route& route, const std::vector<std::string>& path,
             std::map<std::string, std::string>& params) {
  if (route.segments.size() != path.size()) return false;
  std::map<std::string, std::string> captured;
  for (size_t i = 0; i < path.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (is_parameter(expected))
      captured[expected.substr(1, expected.size() - 2)] = path[i];
    else if (expected != path[i])
      return false;
  }
  params = std::move(captured);
  return true;
}

}  // namespace

void Router::add(std::string method, std::string_view pattern, RouteHandler handler) {
  auto route = std::make_shared<Route>();
  for (char& c : method) c = g_ascii_toupper(c);
  route->method = std::move(method);
  route->pattern = std::string(pattern);
  route->segments = split_pattern(pattern);
  route->handler = std::move(handler);
  for (const auto& segment : route->segments) {
    if (is_parameter(segment)) continue;
    if (segment.find_first_of("{}") != std::string::npos)
      g_warning("route %s: '%s' is matched literally; a parameter must be a whole segment",
                route->pattern.c_str(), segment.c_str());
    ++route->literal_count;
  }
  for (auto& existing : routes_) {
    if (existing->method == route->method && existing->segments == route->segments) {
      g_debug("route %s %s replaced", route->method.c_str(), route->pattern.c_str());
      existing = std::move(route);
      return;
    }
  }
  routes_.push_back(std::move(route));
}

RouteMatch Router::match(std::string_view method, const std::vector<std::string>& path) const {
  RouteMatch result;
  auto best_for = [&](std::string_view wanted) -> std::shared_ptr<const Route> {
    std::shared_ptr<const Route> best;
    std::map<std::string, std::string> params;
    for (const auto& route : routes_) {
      if (route->method != wanted) continue;
      // The most literal pattern wins, so "/api/things/new" beats "/api/things/{id}".
      if (best && route->literal_count <= best->literal_count) continue;
      if (matches(*route, path, params)) {
        best = route;
        result.params = params;
      }
    }
    return best;
  };

  result.route = best_for(method);
  if (!result.route && method == "HEAD") result.route = best_for("GET");
  if (result.route) {
    result.kind = RouteMatch::Kind::found;
    return result;
  }

  std::map<std::string, std::string> ignored;
  for (const auto& route : routes_) {
    if (!matches(*route, path, ignored)) continue;
    if (std::find(result.allowed_methods.begin(), result.allowed_methods.end(), route->method) ==
        result.allowed_methods.end())
      result.allowed_methods.push_back(route->method);
  }
  result.kind = result.allowed_methods.empty() ? RouteMatch::Kind::no_such_path
                                               : RouteMatch::Kind::method_not_allowed;
  return result;
}

}  // namespace kek::core::http
