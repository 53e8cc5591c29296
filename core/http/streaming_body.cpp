#define G_LOG_DOMAIN "kek-http"

#include "http/streaming_body.h"

#include "http/respond.h"

#include <exception>
#include <string>
#include <utility>

namespace kek::core::http {
namespace {

constexpr const char* kStateKey = "kek-streaming-body";
constexpr const char* kRefusedKey = "kek-streaming-refused";

std::string too_large_message(int64_t max_bytes) {
  return "request body is larger than " + std::to_string(max_bytes) + " bytes (this endpoint's limit)";
}

void keep_no_body(SoupServerMessage* msg) {
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  soup_message_body_set_accumulate(body, FALSE);
  soup_message_body_truncate(body);
}

}  // namespace

bool is_streaming_body(SoupServerMessage* msg) {
  return g_object_get_data(G_OBJECT(msg), kStateKey) || g_object_get_data(G_OBJECT(msg), kRefusedKey);
}

std::shared_ptr<StreamingBody> streaming_body_of(SoupServerMessage* msg) {
  auto* holder = static_cast<std::shared_ptr<StreamingBody>*>(g_object_get_data(G_OBJECT(msg), kStateKey));
  return holder ? *holder : nullptr;
}

void refuse_streaming_body(SoupServerMessage* msg, const HttpResponse& response) {
  g_object_set_data(G_OBJECT(msg), kRefusedKey, GINT_TO_POINTER(1));
  keep_no_body(msg);
  respond(msg, response);
  // What the client still sends is read and dropped; the connection is not reused after it.
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection", "close");
}

void start_streaming_body(SoupServerMessage* msg, const StreamingRoute& route, HttpRequest request) {
  SoupMessageHeaders* headers = soup_server_message_get_request_headers(msg);
  if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length(headers) > route.max_body_bytes) {
    refuse_streaming_body(msg, HttpResponse::error(413, too_large_message(route.max_body_bytes)));
    return;
  }
  std::variant<HttpResponse, std::shared_ptr<BodySink>> decision = HttpResponse::error(500, "internal server error");
  try {
    decision = route.handler(request);
  } catch (const std::exception& e) {
    g_warning("%s %s: %s", request.method.c_str(), request.path.c_str(), e.what());
  } catch (...) {
    g_warning("%s %s: unknown exception", request.method.c_str(), request.path.c_str());
  }
  if (auto* refusal = std::get_if<HttpResponse>(&decision)) {
    refuse_streaming_body(msg, *refusal);
    return;
  }
  auto sink = std::get<std::shared_ptr<BodySink>>(std::move(decision));
  if (!sink) {
    refuse_streaming_body(msg, HttpResponse::error(500, "internal server error"));
    return;
  }
  keep_no_body(msg);
  auto state = std::make_shared<StreamingBody>(msg, route.max_body_bytes, std::move(request), std::move(sink));
  g_object_set_data_full(G_OBJECT(msg), kStateKey, new std::shared_ptr<StreamingBody>(state),
                         [](gpointer p) { delete static_cast<std::shared_ptr<StreamingBody>*>(p); });
  state->attach();
}

StreamingBody::StreamingBody(SoupServerMessage* msg, int64_t max_bytes, HttpRequest request,
                             std::shared_ptr<BodySink> sink)
    : msg_(msg), max_bytes_(max_bytes), request_(std::move(request)), sink_(std::move(sink)) {}

StreamingBody::~StreamingBody() {
  if (msg_)
    for (gulong id : handlers_)
      if (id) g_signal_handler_disconnect(msg_, id);
}

void StreamingBody::attach() {
  handlers_[0] = g_signal_connect(msg_, "got-chunk", G_CALLBACK(&StreamingBody::on_got_chunk), this);
  handlers_[1] = g_signal_connect(msg_, "got-body", G_CALLBACK(&StreamingBody::on_got_body), this);
  handlers_[2] = g_signal_connect(msg_, "finished", G_CALLBACK(&StreamingBody::on_finished), this);
}

void StreamingBody::on_got_chunk(SoupServerMessage*, GBytes* chunk, gpointer data) {
  auto* self = static_cast<StreamingBody*>(data);
  if (self->failed_ || self->ended_) return;
  const gsize size = g_bytes_get_size(chunk);
  self->received_ += static_cast<int64_t>(size);
  if (self->received_ > self->max_bytes_) {
    self->fail(HttpResponse::error(413, too_large_message(self->max_bytes_)),
               "the body grew past " + std::to_string(self->max_bytes_) + " bytes");
    return;
  }
  if (size == 0) return;
  if (self->next_) {
    // Cannot happen while reading is paused; should libsoup change, fail loudly, never buffer.
    self->fail(HttpResponse::error(500, "internal server error"), "a chunk arrived while reading was paused");
    g_warning("%s: a body chunk arrived while reading was paused", self->request_.path.c_str());
    return;
  }
  self->next_ = std::make_unique<BodyChunk>(chunk);
  if (!self->write_pending_) self->write_next();  // a sink may finish a write at once (buffered)
  // Nothing more is read from the client until the pending write is done.
  if (self->write_pending_ || self->next_) self->pause();
}

void StreamingBody::write_next() {
  BodyChunk chunk = std::move(*next_);
  next_.reset();
  write_pending_ = true;
  auto self = shared_from_this();
  try {
    sink_->write(std::move(chunk), [self](Status status) { self->written(std::move(status)); });
  } catch (...) {
    written(Error{"the upload could not be written", 500});
  }
}

void StreamingBody::written(Status status) {
  write_pending_ = false;
  if (!status) {
    g_message("%s %s: writing the body failed: %s", request_.method.c_str(), request_.path.c_str(),
              status.error().message.c_str());
    fail(HttpResponse::from(status.error()), status.error().message);
    return;
  }
  if (ended_ || failed_) return;
  if (next_) {
    write_next();
    return;
  }
  if (!msg_) {
    end_without_body("the client went away after " + std::to_string(received_) + " bytes");
    return;
  }
  if (respond_) {
    ended_ = true;
    sink_->finish(std::move(respond_));
    return;
  }
  unpause();
}

void StreamingBody::on_got_body(SoupServerMessage*, gpointer data) {
  static_cast<StreamingBody*>(data)->body_complete_ = true;
}

void StreamingBody::finish(HttpResponder respond) {
  if (failed_) {
    respond(failure_ ? *failure_ : HttpResponse::error(500, "internal server error"));
    return;
  }
  if (ended_) {
    respond(HttpResponse::error(500, "internal server error"));
    return;
  }
  if (write_pending_ || next_) {
    respond_ = std::move(respond);
    return;
  }
  ended_ = true;
  sink_->finish(std::move(respond));
}

void StreamingBody::on_finished(SoupServerMessage*, gpointer data) {
  auto* self = static_cast<StreamingBody*>(data);
  for (gulong& id : self->handlers_) {
    if (id) g_signal_handler_disconnect(self->msg_, id);
    id = 0;
  }
  self->msg_ = nullptr;
  self->paused_ = false;
  if (self->ended_ || self->failed_) return;
  if (self->body_complete_ && self->respond_) return;  // the last write ends it; its answer is dropped
  if (self->write_pending_) return;                     // written() notices
  self->end_without_body(self->body_complete_ ? "the client went away before the answer"
                                              : "the client went away after " + std::to_string(self->received_) +
                                                    " bytes");
}

void StreamingBody::end_without_body(const std::string& reason) {
  if (ended_) return;
  ended_ = true;
  next_.reset();
  sink_->abort(reason);
}

void StreamingBody::fail(const HttpResponse& response, const std::string& reason) {
  failed_ = true;
  failure_ = response;
  next_.reset();
  if (!ended_ && !write_pending_) {
    ended_ = true;
    sink_->abort(reason);
  }
  if (!msg_) return;
  if (respond_) {
    std::exchange(respond_, nullptr)(response);
    return;
  }
  if (!body_complete_) {
    // Answer now; the rest of the body is read and dropped.
    respond(msg_, response);
    soup_message_headers_replace(soup_server_message_get_response_headers(msg_), "Connection", "close");
  }
  unpause();
}

void StreamingBody::pause() {
  if (paused_ || !msg_) return;
  paused_ = true;
  soup_server_message_pause(msg_);
}

void StreamingBody::unpause() {
  if (!paused_ || !msg_) return;
  paused_ = false;
  soup_server_message_unpause(msg_);
}

}  // namespace kek::core::http
