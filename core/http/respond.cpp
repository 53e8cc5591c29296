#define G_LOG_DOMAIN "kek-http"

#include "http/respond.h"

#include "http/connection_guard.h"
#include "http/file_lookup.h"
#include "http/file_read.h"
#include "http/mime.h"
#include "http/security_headers.h"

#include <glib/gstdio.h>

#include <cerrno>
#include <ctime>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kek::core::http {
namespace {

bool same_header_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && g_ascii_strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// A handler's headers win over the defaults set before them; Set-Cookie may repeat.
void apply_headers(SoupServerMessage* msg, const std::vector<std::pair<std::string, std::string>>& headers) {
  SoupMessageHeaders* out = soup_server_message_get_response_headers(msg);
  for (const auto& [name, value] : headers) {
    if (same_header_name(name, "set-cookie"))
      soup_message_headers_append(out, name.c_str(), value.c_str());
    else
      soup_message_headers_replace(out, name.c_str(), value.c_str());
  }
}

}  // namespace

std::string http_date(time_t seconds) {
  static constexpr char kDays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm t {};
  if (!gmtime_r(&seconds, &t) || t.tm_year + 1900 < 0 || t.tm_year + 1900 > 9999) return {};
  char text[30];
  auto two = [&](char* at, int value) {
    at[0] = static_cast<char>('0' + value / 10);
    at[1] = static_cast<char>('0' + value % 10);
  };
  const int year = t.tm_year + 1900;
  std::memcpy(text, kDays[t.tm_wday], 3);
  text[3] = ',';
  text[4] = ' ';
  two(text + 5, t.tm_mday);
  text[7] = ' ';
  std::memcpy(text + 8, kMonths[t.tm_mon], 3);
  text[11] = ' ';
  two(text + 12, year / 100);
  two(text + 14, year % 100);
  text[16] = ' ';
  two(text + 17, t.tm_hour);
  text[19] = ':';
  two(text + 20, t.tm_min);
  text[22] = ':';
  two(text + 23, t.tm_sec);
  std::memcpy(text + 25, " GMT", 4);
  return std::string(text, 29);
}

namespace {

void set_body(SoupServerMessage* msg, GBytes* bytes) {
  SoupMessageBody* body = soup_server_message_get_response_body(msg);
  soup_message_body_truncate(body);
  if (g_bytes_get_size(bytes) > 0) soup_message_body_append_bytes(body, bytes);
}

}  // namespace

void respond(SoupServerMessage* msg, const HttpResponse& response) {
  if (!response.file_path.empty()) {
    respond_with_file(msg, response.file_path, media_cache_control(response.file_path));
    apply_headers(msg, response.headers);
    return;
  }
  const char* content_type = response.content_type.empty()
                                 ? (response.body.empty() ? nullptr : "application/octet-stream")
                                 : response.content_type.c_str();
  soup_server_message_set_status(msg, static_cast<guint>(response.status), nullptr);
  soup_server_message_set_response(msg, content_type, SOUP_MEMORY_COPY, response.body.data(),
                                   response.body.size());
  apply_headers(msg, response.headers);
}

void respond_error(SoupServerMessage* msg, int status, std::string_view message) {
  respond(msg, HttpResponse::error(status, message));
}

void respond_error(SoupServerMessage* msg, int status, std::string_view code, std::string_view message) {
  respond(msg, HttpResponse::error(status, code, message));
}

void respond_error(SoupServerMessage* msg, const Error& error) { respond(msg, HttpResponse::from(error)); }

void respond_with_file(SoupServerMessage* msg, const std::string& path, std::string_view cache_control) {
  const int fd = g_open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  struct stat info {};
  if (fd < 0 || fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    if (fd < 0 && errno != ENOENT && errno != ENOTDIR) g_warning("cannot open %s: %s", path.c_str(), g_strerror(errno));
    if (fd >= 0) g_close(fd, nullptr);
    respond_error(msg, 404, "not found");
    return;
  }
  respond_with_file(msg, OpenedFile(fd, info, path), cache_control);
}

void respond_with_file(SoupServerMessage* msg, const OpenedFile& file, std::string_view cache_control) {
  FileRead read(file);
  read.finish(file.fd());
  respond_with_file(msg, file, read.take().get(), cache_control);
}

RangeRequest begin_file_answer(SoupServerMessage* msg, const OpenedFile& file, int64_t size,
                               std::string_view cache_control) {
  SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg);
  std::string last_modified = http_date(file.info().st_mtime);
  soup_message_headers_replace(headers, "Content-Type", std::string(mime_type_for(file.path())).c_str());
  soup_message_headers_replace(headers, "Cache-Control", std::string(cache_control).c_str());
  soup_message_headers_replace(headers, "Accept-Ranges", "bytes");
  if (!last_modified.empty()) soup_message_headers_replace(headers, "Last-Modified", last_modified.c_str());

  SoupMessageHeaders* request_headers = soup_server_message_get_request_headers(msg);
  const char* range_header = soup_message_headers_get_one(request_headers, "Range");
  const char* if_range = soup_message_headers_get_one(request_headers, "If-Range");
  RangeRequest range;
  // Only GET takes a range; an If-Range validator that is not our date means "changed: send all".
  if (range_header && soup_server_message_get_method(msg) == SOUP_METHOD_GET &&
      (!if_range || last_modified == if_range))
    range = parse_range(range_header, size);

  switch (range.kind) {
    case RangeRequest::Kind::whole:
      soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
      // libsoup would answer a Range on a 200 itself by flattening (copying) the whole body;
      // we have decided to send it all, so it must not see the header.
      if (range_header) soup_message_headers_remove(request_headers, "Range");
      break;
    case RangeRequest::Kind::partial:
      soup_server_message_set_status(msg, SOUP_STATUS_PARTIAL_CONTENT, nullptr);
      soup_message_headers_set_content_range(headers, range.first, range.last, size);
      break;
    case RangeRequest::Kind::unsatisfiable: {
      std::string body = json_error_body("requested range not satisfiable", "range_not_satisfiable");
      std::string content_range = "bytes */" + std::to_string(size);
      soup_server_message_set_status(msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, nullptr);
      soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, body.data(), body.size());
      soup_message_headers_replace(headers, "Content-Range", content_range.c_str());
      soup_message_headers_remove(headers, "Last-Modified");
      break;
    }
  }
  return range;
}

void respond_with_file(SoupServerMessage* msg, const OpenedFile& file, GBytes* whole, std::string_view cache_control) {
  if (!whole) {
    respond_error(msg, 500, "cannot read file");
    return;
  }
  cork(msg);
  const auto size = static_cast<int64_t>(g_bytes_get_size(whole));
  const RangeRequest range = begin_file_answer(msg, file, size, cache_control);
  switch (range.kind) {
    case RangeRequest::Kind::whole:
      set_body(msg, whole);
      return;
    case RangeRequest::Kind::partial: {
      g_autoptr(GBytes) part = g_bytes_new_from_bytes(whole, static_cast<gsize>(range.first),
                                                      static_cast<gsize>(range.last - range.first + 1));
      set_body(msg, part);
      return;
    }
    case RangeRequest::Kind::unsatisfiable:
      return;
  }
}

namespace {

GQuark corked_quark() {
  static const GQuark quark = g_quark_from_static_string("kek-corked");
  return quark;
}

bool set_cork(GSocket* socket, int on) {
  return setsockopt(g_socket_get_fd(socket), IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0;
}

}  // namespace

void cork(SoupServerMessage* msg) {
  GSocket* socket = socket_of(msg);
  if (!socket || g_socket_get_protocol(socket) != G_SOCKET_PROTOCOL_TCP) return;
  if (set_cork(socket, 1)) g_object_set_qdata(G_OBJECT(msg), corked_quark(), GINT_TO_POINTER(1));
}

void uncork(SoupServerMessage* msg) {
  if (!g_object_get_qdata(G_OBJECT(msg), corked_quark())) return;
  g_object_set_qdata(G_OBJECT(msg), corked_quark(), nullptr);
  // Sends what is held back now; a socket already closed has nothing to send.
  if (GSocket* socket = socket_of(msg); socket && !g_socket_is_closed(socket))
    set_cork(socket, 0);
}

void add_cors_headers(SoupServerMessage* msg) { set_fields(msg, kMediaCorsFields); }

void respond_cors_preflight(SoupServerMessage* msg) {
  soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, nullptr);
  soup_server_message_set_response(msg, nullptr, SOUP_MEMORY_STATIC, nullptr, 0);
  add_cors_headers(msg);
  SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(headers, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
  const char* requested = soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
                                                       "Access-Control-Request-Headers");
  soup_message_headers_replace(headers, "Access-Control-Allow-Headers", requested ? requested : "Range");
  soup_message_headers_replace(headers, "Access-Control-Max-Age", "86400");
}

}  // namespace kek::core::http
