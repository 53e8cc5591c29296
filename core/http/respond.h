// Writing answers onto a SoupServerMessage: JSON and plain bodies, files (mapped, with byte
// ranges), the {"error": ...} shape, and CORS headers for /media/.
#pragma once

#include "http/file_lookup.h"

#include <kek/http.h>

#include <libsoup/soup.h>

#include <string>
#include <ctime>
#include <string_view>

namespace kek::core::http {

// Status, content type, body and headers of `response`. A response with file_path is served as
// respond_with_file would: status (200/206/416/404), content type and cache rule come from the
// file and the Range header; the response's own headers are applied on top and win (a handler
// sets "Content-Type" or "Cache-Control" there to override, "Content-Disposition" to name it).
void respond(SoupServerMessage* msg, const HttpResponse& response);

// {"error": message, "code": ...}; without a code, the status's generic one.
void respond_error(SoupServerMessage* msg, int status, std::string_view message);
void respond_error(SoupServerMessage* msg, int status, std::string_view code, std::string_view message);
void respond_error(SoupServerMessage* msg, const Error& error);

// The file at `path` (trusted: already resolved by the caller), copied or mapped (see FileRead),
// with a single byte range honoured on GET; 404 JSON when it cannot be opened.
void respond_with_file(SoupServerMessage* msg, const std::string& path, std::string_view cache_control);
// The same for a file already opened (open_inside), read here.
void respond_with_file(SoupServerMessage* msg, const OpenedFile& file, std::string_view cache_control);
// The same with the file's bytes read already (FileRead): nullptr answers 500.
void respond_with_file(SoupServerMessage* msg, const OpenedFile& file, GBytes* whole, std::string_view cache_control);

// The headers of a file's answer (type, cache rule, Accept-Ranges, Last-Modified) and its
// status for the Range asked for: 200, 206 with Content-Range, or 416 answered here in full.
// For an answer whose body the caller sends itself (see FileStream).
RangeRequest begin_file_answer(SoupServerMessage* msg, const OpenedFile& file, int64_t size,
                               std::string_view cache_control);

// A file's answer is held back in the socket until the message is finished (TCP_CORK), so that
// its headers and a small body leave in one segment instead of two (which costs the sender and
// the reader a second pass through the network stack each). uncork() is called for every
// finished or aborted message, and does nothing to one that was not corked.
void cork(SoupServerMessage* msg);
void uncork(SoupServerMessage* msg);

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110's IMF-fixdate, what soup_date_time_to_string
// writes), without a GDateTime and a printf per file served; "" for a year past 9999.
std::string http_date(time_t seconds);

// Media is fetched cross-origin by players embedded elsewhere: kMediaCorsFields (security_headers.h).
void add_cors_headers(SoupServerMessage* msg);
void respond_cors_preflight(SoupServerMessage* msg);

}  // namespace kek::core::http
