#define G_LOG_DOMAIN "kek-http"

#include "http/file_read.h"

#include <sys/uio.h>

#include <cerrno>
#include <utility>

namespace kek::core::http {
namespace {

// Reads that may wait at once: more would only queue more on a disk that is already slow.
constexpr int kReaderThreads = 4;

struct Job {
  std::function<void()> work;
  GMainContext* context;  // a reference, until the job is handed to it
  std::function<void()> done;
};

// Reads size bytes at offset into data, from *got on. Without `wait`, only what the page cache
// holds: false when the rest must be read by a thread that may wait (EAGAIN: not cached;
// EOPNOTSUPP: a file system that cannot tell). True when there is nothing left to read (a file
// cut short or unreadable ends early: what was read is served).
bool read_at(int fd, char* data, size_t size, off_t offset, size_t* got, bool wait) {
  while (*got < size) {
    iovec into{data + *got, size - *got};
    const ssize_t n = preadv2(fd, &into, 1, offset + static_cast<off_t>(*got), wait ? 0 : RWF_NOWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (!wait && n < 0 && (errno == EAGAIN || errno == EOPNOTSUPP || errno == EINVAL)) return false;
    if (n <= 0) break;
    *got += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

FileRead::FileRead(const OpenedFile& file) {
  const off_t size = file.info().st_size;
  if (size > kCopyFilesUpTo) {
    // A mapping reads nothing now; its pages are read as libsoup writes them.
    GError* error = nullptr;
    g_autoptr(GMappedFile) mapping = g_mapped_file_new_from_fd(file.fd(), FALSE, &error);
    if (!mapping) {
      g_warning("cannot map %s: %s", file.path().c_str(), error->message);
      g_clear_error(&error);
    } else {
      // The bytes keep the mapping alive until libsoup has written them.
      mapped_.reset(g_mapped_file_get_bytes(mapping));
    }
    done_ = true;
    return;
  }
  size_ = static_cast<size_t>(size);
  data_ = static_cast<char*>(g_malloc(size_ ? size_ : 1));
  read_from(file.fd(), false);
}

FileRead::~FileRead() { g_free(data_); }

FileRead::FileRead(FileRead&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(other.size_),
      got_(other.got_),
      done_(other.done_),
      mapped_(std::move(other.mapped_)) {}

void FileRead::finish(int fd) {
  if (!done_) read_from(fd, true);
}

void FileRead::read_from(int fd, bool wait) { done_ = read_at(fd, data_, size_, 0, &got_, wait); }

Bytes FileRead::take() {
  if (mapped_ || !data_) return std::move(mapped_);
  return Bytes(g_bytes_new_take(std::exchange(data_, nullptr), got_));  // owns the buffer from here
}

PieceRead::PieceRead(int fd, off_t offset, size_t size)
    : data_(static_cast<char*>(g_malloc(size ? size : 1))), offset_(offset), size_(size) {
  read_from(fd, false);
}

PieceRead::PieceRead(PieceRead&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      offset_(other.offset_),
      size_(other.size_),
      got_(other.got_),
      done_(other.done_) {}

void PieceRead::finish(int fd) {
  if (!done_) read_from(fd, true);
}

void PieceRead::read_from(int fd, bool wait) { done_ = read_at(fd, data_, size_, offset_, &got_, wait); }

FileReaders::FileReaders(std::function<void()> observer) : observer_(std::move(observer)) {
  pool_ = g_thread_pool_new(&FileReaders::work_on, this, kReaderThreads, FALSE, nullptr);
}

FileReaders::~FileReaders() {
  // Every job queued still runs: its answer is owed to a client (or dropped if it is gone).
  g_thread_pool_free(pool_, FALSE, TRUE);
}

void FileReaders::run(std::function<void()> work, GMainContext* context, std::function<void()> done) {
  auto job = std::make_unique<Job>(Job{std::move(work), g_main_context_ref(context), std::move(done)});
  GError* error = nullptr;
  if (!g_thread_pool_push(pool_, job.get(), &error)) {
    // No thread could be started: read here rather than not answer.
    g_warning("no reader thread: %s", error ? error->message : "?");
    g_clear_error(&error);
    work_on(job.release(), this);
    return;
  }
  job.release();  // the pool owns it
}

void FileReaders::work_on(gpointer data, gpointer self) {
  auto* job = static_cast<Job*>(data);
  if (const auto& observer = static_cast<FileReaders*>(self)->observer_) observer();
  job->work();
  GMainContext* context = job->context;
  g_main_context_invoke_full(
      context, G_PRIORITY_DEFAULT,
      [](gpointer data) -> gboolean {
        static_cast<Job*>(data)->done();
        return G_SOURCE_REMOVE;
      },
      job, [](gpointer data) { std::unique_ptr<Job> owned(static_cast<Job*>(data)); });
  // The job needed the context until it was handed to it; a context that goes first frees it.
  g_main_context_unref(context);
}

}  // namespace kek::core::http
