#include "support/http_client.h"

#include <gio/gio.h>

#include <cstring>

namespace kek::test {

// Raw HTTP/1.1 over a socket: libsoup's client would normalise "/media/../x" before sending it,
// and a traversal test must send exactly what an attacker sends.
HttpResult http_request(const std::string& method, const std::string& base_url, const std::string& raw_path,
                        const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                        const std::string& content_type) {
  HttpResult result;
  // base_url: http://host:port/
  std::string hostport = base_url.substr(std::strlen("http://"));
  if (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_socket_client_set_timeout(client, 30);
  GError* err = nullptr;
  g_autoptr(GSocketConnection) conn = g_socket_client_connect_to_host(client, hostport.c_str(), 80, nullptr, &err);
  if (!conn) {
    result.body = err ? err->message : "connect failed";
    g_clear_error(&err);
    return result;
  }
  std::string req = method + " " + raw_path + " HTTP/1.1\r\nHost: " + hostport + "\r\nConnection: close\r\n";
  bool has_length = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    has_length = has_length || g_ascii_strcasecmp(k.c_str(), "content-length") == 0 ||
                 g_ascii_strcasecmp(k.c_str(), "transfer-encoding") == 0;
  }
  if (!body.empty() || method == "POST" || method == "PUT") {
    if (!has_length) req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "Content-Type: " + content_type + "\r\n";
  }
  req += "\r\n" + body;
  GOutputStream* out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
  g_output_stream_write_all(out, req.data(), req.size(), nullptr, nullptr, nullptr);
  GInputStream* in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
  std::string raw;
  char buf[65536];
  for (;;) {
    gssize n = g_input_stream_read(in, buf, sizeof buf, nullptr, nullptr);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  size_t header_end = raw.find("\r\n\r\n");
  if (header_end == std::string::npos) return result;
  std::string head = raw.substr(0, header_end);
  std::string rest = raw.substr(header_end + 4);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() >= 12) result.status = std::atoi(status_line.c_str() + 9);
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& ch : name) ch = static_cast<char>(g_ascii_tolower(ch));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      result.headers[name] = value;
    }
    pos = e + 2;
  }
  if (result.header("transfer-encoding") == "chunked") {
    std::string decoded;
    size_t p = 0;
    while (p < rest.size()) {
      size_t e = rest.find("\r\n", p);
      if (e == std::string::npos) break;
      size_t len = std::strtoul(rest.substr(p, e - p).c_str(), nullptr, 16);
      if (len == 0) break;
      decoded += rest.substr(e + 2, len);
      p = e + 2 + len + 2;
    }
    result.body = decoded;
  } else {
    result.body = rest;
  }
  return result;
}

}  // namespace kek::test
