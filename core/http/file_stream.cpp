#define G_LOG_DOMAIN "kek-http"

#include "http/file_stream.h"

#include "http/connection_guard.h"
#include "http/respond.h"

#include <kek/ref.h>

#include <algorithm>
#include <memory>
#include <utility>

namespace kek::core::http {
namespace {

// Lives as long as the message's signal handlers (or a read under way) hold it; touches the
// message only until it has finished.
class FileStream : public std::enable_shared_from_this<FileStream> {
 public:
  FileStream(SoupServerMessage* msg, OpenedFile file, int64_t first, int64_t end, FileReaders& readers,
             GMainContext* context)
      : msg_(msg), file_(std::move(file)), next_(first), end_(end), readers_(readers), context_(context) {}

  void start() {
    auto* holder = std::make_unique<std::shared_ptr<FileStream>>(shared_from_this()).release();
    auto drop = [](gpointer data, GClosure*) {
      std::unique_ptr<std::shared_ptr<FileStream>> owned(static_cast<std::shared_ptr<FileStream>*>(data));
    };
    // The holder goes with the "finished" handler, when the message is finalized.
    g_signal_connect_data(msg_, "finished", G_CALLBACK(+[](SoupServerMessage*, gpointer data) {
                            (*static_cast<std::shared_ptr<FileStream>*>(data))->gone_ = true;
                          }),
                          holder, drop, GConnectFlags(0));
    g_signal_connect(msg_, "disconnected", G_CALLBACK(+[](SoupServerMessage*, FileStream* self) { self->gone_ = true; }),
                     this);
    g_signal_connect(msg_, "wrote-chunk", G_CALLBACK(+[](SoupServerMessage*, FileStream* self) {
                       --self->queued_;
                       self->read_ahead();
                     }),
                     this);
    read_ahead();
  }

 private:
  // Keeps up to two pieces queued in the body; one read at a time.
  void read_ahead() {
    if (gone_ || reading_ || queued_ >= 2 || next_ >= end_) return;
    const auto size = static_cast<size_t>(std::min<int64_t>(end_ - next_, static_cast<int64_t>(kStreamPieceBytes)));
    PieceRead piece(file_.fd(), static_cast<off_t>(next_), size);
    if (piece.done()) {
      append(std::move(piece));
      read_ahead();
      return;
    }
    reading_ = true;
    auto job = std::make_shared<PieceRead>(std::move(piece));
    auto self = shared_from_this();
    readers_.run([self, job] { job->finish(self->file_.fd()); }, context_, [self, job] {
      self->reading_ = false;
      if (self->gone_) return;
      self->append(std::move(*job));
      self->read_ahead();
    });
  }

  void append(PieceRead piece) {
    SoupMessageBody* body = soup_server_message_get_response_body(msg_);
    const bool short_read = piece.got() < piece.size();
    next_ += static_cast<int64_t>(piece.got());
    if (piece.got() > 0) {
      Bytes bytes = piece.take();
      soup_message_body_append_bytes(body, bytes.get());
      ++queued_;
    }
    if (short_read) {
      // Cut short while we send it: the length we promised cannot be kept, so the connection
      // ends (as nginx does); the client sees a short body, never bytes of another file.
      g_warning("%s: cut short at byte %" G_GINT64_FORMAT " while it was sent", file_.path().c_str(), next_);
      gone_ = true;
      if (GSocket* socket = socket_of(msg_)) g_socket_shutdown(socket, TRUE, TRUE, nullptr);
      return;
    }
    if (next_ >= end_) soup_message_body_complete(body);
    soup_server_message_unpause(msg_);
  }

  SoupServerMessage* msg_;  // only while !gone_
  OpenedFile file_;
  int64_t next_;
  int64_t end_;
  FileReaders& readers_;
  GMainContext* context_;
  int queued_ = 0;  // pieces in the body not yet written
  bool reading_ = false;
  bool gone_ = false;
};

}  // namespace

void stream_file(SoupServerMessage* msg, OpenedFile file, std::string_view cache_control, FileReaders& readers,
                 GMainContext* context) {
  const int64_t size = file.info().st_size;
  const RangeRequest range = begin_file_answer(msg, file, size, cache_control);
  if (range.kind == RangeRequest::Kind::unsatisfiable) return;
  const int64_t first = range.kind == RangeRequest::Kind::partial ? range.first : 0;
  const int64_t end = range.kind == RangeRequest::Kind::partial ? range.last + 1 : size;
  SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_content_length(headers, end - first);
  SoupMessageBody* body = soup_server_message_get_response_body(msg);
  soup_message_body_set_accumulate(body, FALSE);
  cork(msg);
  if (end <= first) {
    soup_message_body_complete(body);
    return;
  }
  std::make_shared<FileStream>(msg, std::move(file), first, end, readers, context)->start();
}

}  // namespace kek::core::http
