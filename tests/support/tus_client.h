// A small tus 1.0 client for integration tests: create, HEAD, PATCH through a signed-in Browser,
// and a PATCH cut off mid-body (the connection dropped) over a raw socket.
#pragma once

#include "support/browser.h"

#include <gio/gio.h>
#include <glib.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace kek::test {

inline std::string tus_metadata(const std::map<std::string, std::string>& values) {
  std::string out;
  for (const auto& [k, v] : values) {
    g_autofree char* b64 = g_base64_encode(reinterpret_cast<const guchar*>(v.data()), v.size());
    out += (out.empty() ? "" : ",") + k + " " + b64;
  }
  return out;
}

inline HttpResult tus_create(kek::auth::test::Browser& b, int64_t length, const std::map<std::string, std::string>& meta) {
  std::vector<std::pair<std::string, std::string>> h{{"Tus-Resumable", "1.0.0"}, {"Upload-Length", std::to_string(length)}};
  if (!meta.empty()) h.emplace_back("Upload-Metadata", tus_metadata(meta));
  return b.request("POST", "/api/uploads/", "", h);
}

inline HttpResult tus_head(kek::auth::test::Browser& b, const std::string& location) {
  return b.request("HEAD", location, "", {{"Tus-Resumable", "1.0.0"}});
}

inline HttpResult tus_patch(kek::auth::test::Browser& b, const std::string& location, int64_t offset,
                            const std::string& bytes) {
  return b.request("PATCH", location, bytes,
                   {{"Tus-Resumable", "1.0.0"}, {"Upload-Offset", std::to_string(offset)},
                    {"Content-Length", std::to_string(bytes.size())}},
                   "application/offset+octet-stream");
}

// A PATCH that announces `announced` bytes, sends `bytes`, then (unless keep_open) closes the
// connection as a dropped Wi-Fi would. Returns the open connection when keep_open.
inline GSocketConnection* tus_patch_cut(const std::string& base_url, kek::auth::test::Browser& b,
                                        const std::string& location, int64_t offset, int64_t announced,
                                        const std::string& bytes, bool keep_open = false) {
  std::string hostport = base_url.substr(std::strlen("http://"));
  if (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  g_autoptr(GSocketClient) client = g_socket_client_new();
  GSocketConnection* conn = g_socket_client_connect_to_host(client, hostport.c_str(), 80, nullptr, nullptr);
  if (!conn) return nullptr;
  std::string req = "PATCH " + location + " HTTP/1.1\r\nHost: " + hostport + "\r\nTus-Resumable: 1.0.0\r\n" +
                    "Upload-Offset: " + std::to_string(offset) + "\r\nContent-Type: application/offset+octet-stream\r\n" +
                    "Content-Length: " + std::to_string(announced) + "\r\nCookie: kek_session=" + b.cookie() +
                    "\r\nX-CSRF-Token: " + b.csrf() + "\r\n\r\n" + bytes;
  g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req.data(), req.size(), nullptr, nullptr,
                            nullptr);
  if (keep_open) return conn;
  g_io_stream_close(G_IO_STREAM(conn), nullptr, nullptr);
  g_object_unref(conn);
  return nullptr;
}

inline std::string sha256_of(const std::string& bytes) {
  g_autofree char* sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(bytes.data()),
                                                     bytes.size());
  return sum;
}

}  // namespace kek::test
