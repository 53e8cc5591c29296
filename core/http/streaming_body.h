// Request bodies streamed to a plugin's kek::BodySink as libsoup reads them (uploads): the body
// is never accumulated, and reading pauses while the sink's write is pending (backpressure), so
// one upload of any size costs one chunk of memory.
#pragma once

#include "http/router.h"

#include <kek/http.h>

#include <libsoup/soup.h>

#include <memory>

namespace kek::core::http {

class StreamingBody;

// From SoupServerMessage::got-headers, once the route is known to be a streaming one and the
// guards let the request through: asks the route's handler, then either answers its refusal or
// feeds the sink. Also enforces the route's own body limit (413 naming it).
void start_streaming_body(SoupServerMessage* msg, const StreamingRoute& route, HttpRequest request);

// Answers `response` before the body was read, without keeping any of it.
void refuse_streaming_body(SoupServerMessage* msg, const HttpResponse& response);

// Whether msg's body goes to a sink (the global max_body_bytes then does not apply).
bool is_streaming_body(SoupServerMessage* msg);

// The streaming state of msg when libsoup calls the server handler (the body has ended), or
// nullptr for an ordinary request.
std::shared_ptr<StreamingBody> streaming_body_of(SoupServerMessage* msg);

class StreamingBody : public std::enable_shared_from_this<StreamingBody> {
 public:
  StreamingBody(SoupServerMessage* msg, int64_t max_bytes, HttpRequest request, std::shared_ptr<BodySink> sink);
  ~StreamingBody();
  StreamingBody(const StreamingBody&) = delete;
  StreamingBody& operator=(const StreamingBody&) = delete;

  const HttpRequest& request() const { return request_; }
  // The body has ended: the sink answers once its last write is done.
  void finish(HttpResponder respond);

  void attach();  // connects to msg's signals; call once, after construction

 private:
  static void on_got_chunk(SoupServerMessage* msg, GBytes* chunk, gpointer self);
  static void on_got_body(SoupServerMessage* msg, gpointer self);
  static void on_finished(SoupServerMessage* msg, gpointer self);

  void write_next();
  void written(Status status);
  void fail(const HttpResponse& response, const std::string& reason);
  void end_without_body(const std::string& reason);
  void pause();
  void unpause();

  SoupServerMessage* msg_;  // not owned: msg owns this object (qdata); cleared when it finishes
  int64_t max_bytes_;
  HttpRequest request_;
  std::shared_ptr<BodySink> sink_;
  int64_t received_ = 0;
  std::unique_ptr<BodyChunk> next_;  // a chunk that arrived while paused (libsoup may deliver
                                     // the one it was reading); at most one is ever held
  bool write_pending_ = false;
  bool paused_ = false;
  bool body_complete_ = false;
  bool ended_ = false;  // finish or abort was called on the sink
  bool failed_ = false;
  std::optional<HttpResponse> failure_;
  HttpResponder respond_;
  gulong handlers_[3] = {0, 0, 0};
};

}  // namespace kek::core::http
