// What the server knows about each request once it is answered: method, area (api, media,
// webui), route (the API pattern, never the raw path or query), status, bytes, duration. One
// line per request in the log (no tokens, keys or query strings in it) and one record for the
// observers (metrics).
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <string>
#include <string_view>

namespace kek::core::http {

struct RequestRecord {
  std::string_view method;
  std::string_view area;    // "api", "media", "webui", or "-" when the path did not parse
  std::string_view route;   // "/api/pipelines/{id}"; "/media/{file}"; "/{file}" for the web UI
  std::string_view path;    // for the log only: the media/web UI path with any token replaced
  std::string_view remote;
  unsigned status = 0;
  int64_t bytes = 0;        // response body bytes
  double duration_s = 0;    // from the request line's arrival to the last byte handed to the socket
  bool aborted = false;     // the client went away (or libsoup reported a 500 as aborted)
  bool fast_path = false;   // answered by the /media/ fast path (fast_path.h), not libsoup
  bool read_from_disk = false;  // the fast path read bytes the page cache lacked first (a reader thread)
};

using RequestObserver = std::function<void(const RequestRecord&)>;

// request-started: remembers the time.
void note_request_started(SoupServerMessage* msg);
// After routing: `route` must outlive the process (a string literal or g_intern_string).
void note_route(SoupServerMessage* msg, const char* area, const char* route, std::string path = {});
// request-finished / request-aborted: builds the record, logs it when `log_requests` (5xx as a
// warning always), then hands it to the observer.
void finish_request(SoupServerMessage* msg, bool aborted, bool log_requests, const RequestObserver& observer);
// The same for a request answered without a SoupServerMessage (the /media/ fast path).
void report_request(const RequestRecord& record, bool log_requests, const RequestObserver& observer);

}  // namespace kek::core::http
