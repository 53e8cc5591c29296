// A blocking HTTP client for integration tests (the server is another process).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace kek::test {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// path is sent as written (no normalisation), so traversal attempts reach the server intact.
HttpResult http_request(const std::string& method, const std::string& base_url, const std::string& raw_path,
                        const std::vector<std::pair<std::string, std::string>>& headers = {},
                        const std::string& body = {}, const std::string& content_type = "application/json");
inline HttpResult http_get(const std::string& base_url, const std::string& path,
                           const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  return http_request("GET", base_url, path, headers);
}

}  // namespace kek::test
