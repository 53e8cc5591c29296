// Reading GET /api/events (Server-Sent Events) as a browser would, for integration tests.
#pragma once

#include <gio/gio.h>
#include <glib.h>

#include <atomic>
#include <string>

namespace kek::test {

// Reads /api/events with the given kek_session cookie (empty: anonymous) until `until` appears
// in what arrived, or timeout_ms pass, or *stop is set. *connected turns true once the server
// has said ": connected" (events published after that reach this client).
inline std::string read_events(const std::string& base_url, const std::string& cookie, const std::string& until,
                               int timeout_ms, std::atomic<bool>* connected = nullptr,
                               std::atomic<bool>* stop = nullptr) {
  std::string hostport = base_url.substr(7);
  if (hostport.back() == '/') hostport.pop_back();
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_autoptr(GSocketConnection) conn = g_socket_client_connect_to_host(client, hostport.c_str(), 80, nullptr, nullptr);
  if (!conn) return "";
  std::string req = "GET /api/events HTTP/1.1\r\nHost: " + hostport + "\r\n" +
                    (cookie.empty() ? "" : "Cookie: kek_session=" + cookie + "\r\n") + "\r\n";
  g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req.data(), req.size(), nullptr, nullptr,
                            nullptr);
  GSocket* socket = g_socket_connection_get_socket(conn);
  std::string got;
  const gint64 end = g_get_monotonic_time() + static_cast<gint64>(timeout_ms) * 1000;
  char buffer[4096];
  while (g_get_monotonic_time() < end && got.find(until) == std::string::npos && !(stop && *stop)) {
    if (!g_socket_condition_timed_wait(socket, G_IO_IN, 50000, nullptr, nullptr)) continue;
    gssize n = g_socket_receive(socket, buffer, sizeof buffer, nullptr, nullptr);
    if (n <= 0) break;
    got.append(buffer, static_cast<size_t>(n));
    if (connected && got.find(": connected") != std::string::npos) *connected = true;
  }
  return got;
}

}  // namespace kek::test
