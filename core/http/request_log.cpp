#define G_LOG_DOMAIN "kek-http"
#include "http/request_log.h"

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace kek::core::http {

namespace {

struct RequestNote {
  int64_t started_us = 0;
  const char* area = "-";
  const char* route = "-";
  std::string path;
};

GQuark note_quark() {
  static const GQuark q = g_quark_from_static_string("kek-request-note");
  return q;
}

RequestNote* note_of(SoupServerMessage* msg) {
  return static_cast<RequestNote*>(g_object_get_qdata(G_OBJECT(msg), note_quark()));
}

}  // namespace

void note_request_started(SoupServerMessage* msg) {
  auto note = std::make_unique<RequestNote>();
  note->started_us = g_get_monotonic_time();
  g_object_set_qdata_full(G_OBJECT(msg), note_quark(), note.release(),
                          [](gpointer p) { std::unique_ptr<RequestNote> owned(static_cast<RequestNote*>(p)); });
}

void note_route(SoupServerMessage* msg, const char* area, const char* route, std::string path) {
  RequestNote* note = note_of(msg);
  if (!note) return;
  note->area = area;
  note->route = route;
  note->path = std::move(path);
}

void finish_request(SoupServerMessage* msg, bool aborted, bool log_requests, const RequestObserver& observer) {
  RequestNote* note = note_of(msg);
  RequestRecord r;
  const char* method = soup_server_message_get_method(msg);
  r.method = method ? method : "?";
  r.area = note ? note->area : "-";
  r.route = note ? note->route : "-";
  r.path = note && !note->path.empty() ? std::string_view(note->path) : r.route;
  const char* remote = soup_server_message_get_remote_host(msg);
  r.remote = remote ? remote : "?";
  r.status = soup_server_message_get_status(msg);
  r.bytes = soup_server_message_get_response_body(msg)->length;
  r.duration_s = note ? static_cast<double>(g_get_monotonic_time() - note->started_us) / 1e6 : 0;
  r.aborted = aborted;
  report_request(r, log_requests, observer);
}

void report_request(const RequestRecord& r, bool log_requests, const RequestObserver& observer) {
  const bool aborted = r.aborted;
  // libsoup reports every 500 as aborted, as well as clients that hung up: the cause of a 500 we
  // produced is logged where it happened, so only 5xx answers that did go out are warnings here.
  const bool warn = r.status >= 500 && !aborted;
  if (log_requests || warn) {
    char status[16], bytes[24], duration[24];
    const auto status_n = std::snprintf(status, sizeof status, "%u", r.status);
    const auto bytes_n = std::snprintf(bytes, sizeof bytes, "%" PRId64, r.bytes);
    const auto duration_n = std::snprintf(duration, sizeof duration, "%.3f", r.duration_s * 1000);
    std::string message;
    message.reserve(r.method.size() + r.path.size() + r.remote.size() + 64);
    message.append(r.method).append(" ").append(r.path).append(" -> ").append(status, status_n);
    message.append(", ").append(bytes, bytes_n).append(" bytes, ").append(duration, duration_n);
    message.append(" ms, from ").append(r.remote);
    if (aborted) message.append(" (aborted)");
    auto field = [](const char* key, std::string_view value) {
      return GLogField{key, value.data(), static_cast<gssize>(value.size())};
    };
    const GLogField fields[] = {
        {"GLIB_DOMAIN", G_LOG_DOMAIN, -1},
        field("MESSAGE", message),
        {"KEK_EVENT", "request", -1},
        field("KEK_METHOD", r.method),
        field("KEK_AREA", r.area),
        field("KEK_ROUTE", r.route),
        field("KEK_PATH", r.path),
        field("KEK_STATUS", {status, static_cast<size_t>(status_n)}),
        field("KEK_BYTES", {bytes, static_cast<size_t>(bytes_n)}),
        field("KEK_DURATION_MS", {duration, static_cast<size_t>(duration_n)}),
        field("KEK_REMOTE", r.remote),
        {"KEK_ABORTED", aborted ? "true" : "false", -1},
    };
    g_log_structured_array(warn ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_INFO, fields, G_N_ELEMENTS(fields));
  }
  if (observer) observer(r);
}

}  // namespace kek::core::http
