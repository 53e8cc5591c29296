#include "uploads.h"

#include "ids.h"

#include <kek/worker.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace kek::library {
namespace {

constexpr const char* kTusVersion = "1.0.0";
constexpr size_t kFlushBytes = 1024 * 1024;  // a PATCH holds at most this much before writing it
constexpr int64_t kRecordEveryUs = 250 * 1000;  // a long PATCH records its offset this often

std::vector<std::pair<std::string, std::string>> tus_headers() { return {{"Tus-Resumable", kTusVersion}}; }

HttpResponse tus_error(int status, const std::string& message) {
  HttpResponse r = HttpResponse::error(status, message);
  r.headers = tus_headers();
  return r;
}

HttpResponse no_content(std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  r.headers = tus_headers();
  for (auto& h : headers) r.headers.push_back(std::move(h));
  return r;
}

std::optional<int64_t> parse_length(const std::optional<std::string>& text) {
  if (!text || text->empty() || text->size() > 19) return std::nullopt;
  for (char c : *text)
    if (c < '0' || c > '9') return std::nullopt;
  return static_cast<int64_t>(g_ascii_strtoll(text->c_str(), nullptr, 10));
}

std::string errno_message(int err) {
  if (err == ENOSPC) return "No space left on device";
  if (err == EDQUOT) return "Disk quota exceeded";
  return g_strerror(err);
}

Error io_error(const std::string& what, int err) {
  return Error{what + ": " + errno_message(err), err == ENOSPC || err == EDQUOT ? 507 : 500};
}

std::string human_bytes(int64_t n) {
  g_autofree char* text = g_format_size_full(static_cast<guint64>(n), G_FORMAT_SIZE_IEC_UNITS);
  return std::string(text) + " (" + std::to_string(n) + " bytes)";
}

// The extension of an original file name, kept on the stored copy so tools recognise it;
// only [a-z0-9], at most 8 characters.
std::string safe_extension(const std::string& filename) {
  size_t dot = filename.rfind('.');
  if (dot == std::string::npos || dot + 1 >= filename.size()) return "";
  std::string ext;
  for (size_t i = dot + 1; i < filename.size(); ++i) {
    char c = g_ascii_tolower(filename[i]);
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) || ext.size() == 8) return "";
    ext += c;
  }
  return ext;
}

// Title from a file name: its base name without the extension, '_' and '.' as spaces.
std::string title_from_filename(const std::string& filename) {
  std::string base = filename;
  if (size_t slash = base.find_last_of("/\\"); slash != std::string::npos) base = base.substr(slash + 1);
  if (size_t dot = base.rfind('.'); dot != std::string::npos && dot > 0) base = base.substr(0, dot);
  for (char& c : base)
    if (c == '_' || c == '.') c = ' ';
  g_autofree char* valid = g_utf8_make_valid(base.c_str(), static_cast<gssize>(base.size()));
  std::string out = g_strstrip(valid);
  return out.empty() ? "Untitled" : out.substr(0, 300);
}

// Writes one PATCH body at the upload's offset, in blocks of up to kFlushBytes, on worker
// threads. The fd is only ever used by one worker job at a time.
class UploadSink final : public BodySink, public std::enable_shared_from_this<UploadSink> {
 public:
  UploadSink(std::shared_ptr<Uploads> uploads, std::string upload_id, std::string path, int64_t offset,
             int64_t length, UserIdentity user)
      : uploads_(std::move(uploads)),
        id_(std::move(upload_id)),
        path_(std::move(path)),
        offset_(offset),
        written_(offset),
        length_(length),
        user_(std::move(user)) {
    buffer_.reserve(kFlushBytes);
  }
  ~UploadSink() override {
    if (fd_ >= 0) close(fd_);
  }

  void write(BodyChunk chunk, std::function<void(Status)> done) override {
    buffer_.insert(buffer_.end(), chunk.data(), chunk.data() + chunk.size());
    if (buffer_.size() < kFlushBytes) {
      done({});
      return;
    }
    flush(std::move(done));
  }

  void finish(HttpResponder respond) override {
    auto self = shared_from_this();
    flush([self, respond = std::move(respond)](Status s) mutable {
      self->close_file([self, s, respond = std::move(respond)](Status closed) mutable {
        self->uploads_->record_progress(self->id_, self->written_);
        self->uploads_->release(self->id_);
        if (!s) return respond(tus_error(s.error().code, s.error().message));
        if (!closed) return respond(tus_error(closed.error().code, closed.error().message));
        std::vector<std::pair<std::string, std::string>> headers{{"Upload-Offset", std::to_string(self->written_)}};
        if (self->written_ < self->length_) return respond(no_content(std::move(headers)));
        self->finish_upload(std::move(headers), std::move(respond));
      });
    });
  }

  void abort(const std::string& reason) override {
    // What arrived is good data: keep it, so the client resumes after it.
    auto self = shared_from_this();
    g_message("upload %s: PATCH ended early (%s); keeping the bytes received", id_.c_str(), reason.c_str());
    flush([self](Status) {
      self->close_file([self](Status) {
        self->uploads_->record_progress(self->id_, self->written_);
        self->uploads_->release(self->id_);
      });
    });
  }

 private:
  void flush(std::function<void(Status)> done) {
    if (failed_) return done(*failed_);
    if (buffer_.empty() && fd_ >= 0) return done({});
    auto self = shared_from_this();
    auto data = std::make_shared<std::vector<uint8_t>>(std::move(buffer_));
    buffer_ = {};
    buffer_.reserve(kFlushBytes);
    const bool open_first = fd_ < 0;
    run_in_worker<Status>(
        [self, data, open_first]() -> Status {
          if (open_first) {
            int fd = open(self->path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
            if (fd < 0) return io_error("upload: open", errno);
            struct stat info;
            if (fstat(fd, &info) != 0 || info.st_size < self->offset_) {
              close(fd);
              return Error{"the server lost part of this upload; start it again", 410};
            }
            // Bytes past the recorded offset (from a PATCH cut short by a crash) are dropped.
            if (ftruncate(fd, self->offset_) != 0 || lseek(fd, self->offset_, SEEK_SET) < 0) {
              int err = errno;
              close(fd);
              return io_error("upload: seek", err);
            }
            self->fd_ = fd;
          }
          size_t done_bytes = 0;
          while (done_bytes < data->size()) {
            ssize_t n = ::write(self->fd_, data->data() + done_bytes, data->size() - done_bytes);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
              int err = errno;
              // Whatever part of the block reached the file is cut back off: the offset stays exact.
              if (ftruncate(self->fd_, self->written_) != 0) { /* reported below anyway */ }
              return io_error("upload: write", err);
            }
            done_bytes += static_cast<size_t>(n);
          }
          return {};
        },
        [self, data, done = std::move(done)](Status s) {
          if (s) {
            self->written_ += static_cast<int64_t>(data->size());
            self->record_now_and_then();
          } else {
            self->failed_ = s.error();
          }
          done(std::move(s));
        });
  }

  // The offset is recorded as blocks reach the file, not only when the PATCH ends: a kek killed
  // (kill -9, a crash) during a long PATCH resumes after the last block it recorded (the bytes
  // written after it are cut off at the next PATCH, so the offset is always exact).
  void record_now_and_then() {
    const int64_t now = g_get_monotonic_time();
    if (now - recorded_at_ < kRecordEveryUs) return;
    recorded_at_ = now;
    uploads_->record_progress(id_, written_);
  }

  void close_file(std::function<void(Status)> done) {
    if (fd_ < 0) return done({});
    auto self = shared_from_this();
    run_in_worker<Status>(
        [self]() -> Status {
          Status s;
          if (fdatasync(self->fd_) != 0) s = io_error("upload: sync", errno);
          if (close(self->fd_) != 0 && s) s = io_error("upload: close", errno);
          self->fd_ = -1;
          return s;
        },
        std::move(done));
  }

  void finish_upload(std::vector<std::pair<std::string, std::string>> headers, HttpResponder respond) {
    auto item = uploads_->complete(id_, user_.id, user_.username);
    if (!item) return respond(tus_error(item.error().code, item.error().message));
    headers.emplace_back("Kek-Library-Item", *item);
    headers.emplace_back("Access-Control-Expose-Headers", "Upload-Offset, Kek-Library-Item");
    respond(no_content(std::move(headers)));
    uploads_->item_created(*item);
  }

  std::shared_ptr<Uploads> uploads_;
  std::string id_;
  std::string path_;
  int64_t offset_;
  int64_t written_;  // bytes on disk
  int64_t length_;
  UserIdentity user_;
  std::vector<uint8_t> buffer_;
  int fd_ = -1;
  int64_t recorded_at_ = 0;  // monotonic us of the last record_progress during this PATCH
  std::optional<Error> failed_;
};

}  // namespace

std::string http_date(int64_t unix_seconds) {
  static const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(unix_seconds);
  if (!t) return "";
  char buf[64];
  g_snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[g_date_time_get_day_of_week(t) - 1],
             g_date_time_get_day_of_month(t), kMonths[g_date_time_get_month(t) - 1], g_date_time_get_year(t),
             g_date_time_get_hour(t), g_date_time_get_minute(t), g_date_time_get_second(t));
  return buf;
}

std::optional<std::map<std::string, std::string>> parse_upload_metadata(const std::string& header) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= header.size()) {
    size_t end = header.find(',', start);
    std::string pair = header.substr(start, end == std::string::npos ? std::string::npos : end - start);
    pair.erase(0, pair.find_first_not_of(' '));
    pair.erase(pair.find_last_not_of(' ') + 1);
    if (!pair.empty()) {
      size_t space = pair.find(' ');
      std::string key = pair.substr(0, space);
      std::string value;
      if (space != std::string::npos) {
        std::string b64 = pair.substr(space + 1);
        for (char c : b64)
          if (!g_ascii_isalnum(c) && c != '+' && c != '/' && c != '=') return std::nullopt;
        gsize len = 0;
        g_autofree guchar* raw = g_base64_decode(b64.c_str(), &len);
        value.assign(reinterpret_cast<const char*>(raw), len);
      }
      if (key.empty() || out.count(key)) return std::nullopt;
      out[key] = value;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

Uploads::Uploads(Catalogue& catalogue, std::function<void(const std::string&)> on_item)
    : catalogue_(catalogue), on_item_(std::move(on_item)) {}

std::string Uploads::uploads_dir() const { return catalogue_.host().data_dir() + "/uploads"; }
std::string Uploads::part_path(const std::string& id) const { return uploads_dir() + "/" + id + ".part"; }

void Uploads::add_routes() {
  auto self = shared_from_this();
  Http& http = catalogue_.host().http();
  http.route("OPTIONS", "/api/uploads", [self](const HttpRequest& r) { return self->options(r); });
  http.route("OPTIONS", "/api/uploads/{id}", [self](const HttpRequest& r) { return self->options(r); });
  http.route("POST", "/api/uploads", [self](const HttpRequest& r) { return self->create(r); });
  http.route("HEAD", "/api/uploads/{id}", [self](const HttpRequest& r) { return self->head(r); });
  http.route_async("DELETE", "/api/uploads/{id}",
                   [self](const HttpRequest& r, HttpResponder respond) { self->terminate(r, std::move(respond)); });
  http.route_streaming("PATCH", "/api/uploads/{id}", catalogue_.settings().max_file_bytes,
                       [self](const HttpRequest& r) { return self->patch(r); });
}

std::optional<HttpResponse> Uploads::check_resumable(const HttpRequest& request) const {
  auto version = request.header("tus-resumable");
  if (version == std::optional<std::string>(kTusVersion)) return std::nullopt;
  HttpResponse r = tus_error(412, "this server speaks tus 1.0.0: send Tus-Resumable: 1.0.0");
  r.headers.emplace_back("Tus-Version", kTusVersion);
  return r;
}

std::variant<UserIdentity, HttpResponse> Uploads::uploader_of(const HttpRequest& request) {
  Identity* identity = catalogue_.identity();
  if (!identity) return tus_error(401, "uploads need accounts (the auth plugin is not loaded)");
  auto user = identity->user_of(request);
  if (!user) return tus_error(500, user.error().message);
  if (!*user) return tus_error(401, "sign in to upload");
  const UploaderRule& rule = catalogue_.settings().uploaders;
  if (rule.kind == UploaderRule::Kind::admins && !(*user)->admin)
    return tus_error(403, "only admins may upload on this server");
  if (rule.kind == UploaderRule::Kind::group && !(*user)->admin &&
      !identity->may_view(*user, std::string(".library-uploaders/")))
    return tus_error(403, "only members of the group '" + rule.group + "' may upload on this server");
  return **user;
}

HttpResponse Uploads::options(const HttpRequest&) {
  HttpResponse r = no_content({{"Tus-Version", kTusVersion},
                               {"Tus-Extension", "creation,termination,expiration"},
                               {"Tus-Max-Size", std::to_string(catalogue_.settings().max_file_bytes)}});
  return r;
}

HttpResponse Uploads::create(const HttpRequest& request) {
  if (auto refusal = check_resumable(request)) return *refusal;
  auto who = uploader_of(request);
  if (auto* refusal = std::get_if<HttpResponse>(&who)) return *refusal;
  const UserIdentity& user = std::get<UserIdentity>(who);
  if (request.header("upload-defer-length"))
    return tus_error(400, "Upload-Defer-Length is not supported: send Upload-Length");
  auto length = parse_length(request.header("upload-length"));
  if (!length) return tus_error(400, "Upload-Length must be the file's size in bytes");
  const Settings& settings = catalogue_.settings();
  if (*length > settings.max_file_bytes)
    return tus_error(413, "the file is larger than this server's limit of " + human_bytes(settings.max_file_bytes));
  if (*length == 0) return tus_error(400, "the file is empty (0 bytes): nothing to add to the library");
  std::map<std::string, std::string> metadata;
  if (auto header = request.header("upload-metadata")) {
    auto parsed = parse_upload_metadata(*header);
    if (!parsed) return tus_error(400, "Upload-Metadata must be 'key base64value' pairs separated by commas");
    metadata = std::move(*parsed);
  }
  const std::string filename = metadata.count("filename") ? metadata["filename"] : "";
  if (filename.size() > 1000) return tus_error(400, "the file name is longer than 1000 bytes");
  std::string title = metadata.count("title") ? metadata["title"] : "";
  {
    g_autofree char* valid = g_utf8_make_valid(title.c_str(), static_cast<gssize>(title.size()));
    title = g_strstrip(valid);
  }
  if (title.empty()) title = title_from_filename(filename.empty() ? "Untitled" : filename);
  if (title.size() > 300) title = title.substr(0, 300);

  if (settings.quota_bytes > 0) {
    auto stored = catalogue_.uploaded_bytes(user.id);
    if (!stored) return tus_error(500, stored.error().message);
    const int64_t now = unix_now();
    auto pending = catalogue_.host().db().query(
        "SELECT coalesce(sum(length), 0) AS n FROM library_uploads WHERE user_id = ? AND item_id IS NULL AND expires_at > ?",
        {user.id, now});
    if (!pending) return tus_error(500, pending.error().message);
    const int64_t used = *stored + pending->front().integer("n");
    if (used + *length > settings.quota_bytes)
      return tus_error(413, "this upload would take you over your quota of " + human_bytes(settings.quota_bytes) +
                                ": " + human_bytes(used) + " used, the file is " + human_bytes(*length));
  }
  const std::string id = random_id(16);
  const int64_t now = unix_now();
  const int64_t expires = now + settings.upload_expiry_s;
  std::string raw_metadata = request.header("upload-metadata").value_or("");
  auto r = catalogue_.host().db().exec(
      "INSERT INTO library_uploads (id, user_id, filename, title, metadata, length, received, created_at, expires_at)"
      " VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
      {id, user.id, filename, title, raw_metadata, *length, now, expires});
  if (!r) return tus_error(500, r.error().message);
  g_message("upload %s: %s created, %" G_GINT64_FORMAT " bytes, by %s", id.c_str(), filename.c_str(), *length,
            user.username.c_str());
  HttpResponse created;
  created.status = 201;
  created.content_type.clear();
  created.headers = tus_headers();
  created.headers.emplace_back("Location", "/api/uploads/" + id);
  created.headers.emplace_back("Upload-Expires", http_date(expires));
  created.headers.emplace_back("Access-Control-Expose-Headers", "Location, Upload-Expires");
  return created;
}

namespace {

// The upload row when it belongs to `user` and has not expired; else the answer to give.
std::variant<DbRow, HttpResponse> own_upload(Database& db, const std::string& id, const UserIdentity& user) {
  if (!is_valid_id(id)) return tus_error(404, "no such upload");
  auto rows = db.query("SELECT * FROM library_uploads WHERE id = ?", {id});
  if (!rows) return tus_error(500, rows.error().message);
  if (rows->empty() || rows->front().integer("user_id") != user.id) return tus_error(404, "no such upload");
  if (rows->front().integer("expires_at") <= unix_now())
    return tus_error(410, "this upload expired; start it again");
  if (!rows->front().is_null("item_id")) return tus_error(410, "this upload is complete");
  return std::move(rows->front());
}

}  // namespace

HttpResponse Uploads::head(const HttpRequest& request) {
  if (auto refusal = check_resumable(request)) return *refusal;
  auto who = uploader_of(request);
  if (auto* refusal = std::get_if<HttpResponse>(&who)) return *refusal;
  auto upload = own_upload(catalogue_.host().db(), request.params.at("id"), std::get<UserIdentity>(who));
  if (auto* refusal = std::get_if<HttpResponse>(&upload)) return *refusal;
  const DbRow& row = std::get<DbRow>(upload);
  HttpResponse r;
  r.status = 200;
  r.content_type.clear();
  r.headers = tus_headers();
  r.headers.emplace_back("Upload-Offset", std::to_string(row.integer("received")));
  r.headers.emplace_back("Upload-Length", std::to_string(row.integer("length")));
  r.headers.emplace_back("Upload-Expires", http_date(row.integer("expires_at")));
  if (!row.text("metadata").empty()) r.headers.emplace_back("Upload-Metadata", row.text("metadata"));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

std::variant<HttpResponse, std::shared_ptr<BodySink>> Uploads::patch(const HttpRequest& request) {
  if (auto refusal = check_resumable(request)) return *refusal;
  auto who = uploader_of(request);
  if (auto* refusal = std::get_if<HttpResponse>(&who)) return *refusal;
  const UserIdentity& user = std::get<UserIdentity>(who);
  if (request.header("content-type") != std::optional<std::string>("application/offset+octet-stream"))
    return tus_error(415, "a PATCH body must be Content-Type: application/offset+octet-stream");
  const std::string id = request.params.at("id");
  auto upload = own_upload(catalogue_.host().db(), id, user);
  if (auto* refusal = std::get_if<HttpResponse>(&upload)) return *refusal;
  const DbRow& row = std::get<DbRow>(upload);
  if (active_.count(id)) return tus_error(423, "another PATCH of this upload is in progress; wait for it to end");
  auto offset = parse_length(request.header("upload-offset"));
  if (!offset) return tus_error(400, "Upload-Offset must be a number of bytes");
  const int64_t received = row.integer("received");
  const int64_t length = row.integer("length");
  if (*offset != received) {
    HttpResponse r = tus_error(409, "Upload-Offset is " + std::to_string(*offset) + " but the server has " +
                                        std::to_string(received) + " bytes: resume from there (HEAD tells)");
    r.headers.emplace_back("Upload-Offset", std::to_string(received));
    return r;
  }
  if (auto content_length = parse_length(request.header("content-length"));
      content_length && *offset + *content_length > length)
    return tus_error(413, "the body goes past Upload-Length (" + std::to_string(length) + " bytes)");
  if (g_mkdir_with_parents(uploads_dir().c_str(), 0700) != 0)
    return tus_error(500, "cannot create " + uploads_dir() + ": " + g_strerror(errno));
  active_.insert(id);
  return std::shared_ptr<BodySink>(
      std::make_shared<UploadSink>(shared_from_this(), id, part_path(id), received, length, user));
}

void Uploads::record_progress(const std::string& id, int64_t received) {
  auto r = catalogue_.host().db().exec("UPDATE library_uploads SET received = ? WHERE id = ? AND received <= ?",
                                       {received, id, received});
  if (!r) g_warning("upload %s: recording progress: %s", id.c_str(), r.error().message.c_str());
}

Result<std::string> Uploads::complete(const std::string& upload_id, int64_t user_id, const std::string& username) {
  auto rows = catalogue_.host().db().query("SELECT * FROM library_uploads WHERE id = ?", {upload_id});
  if (!rows) return rows.error();
  if (rows->empty()) return Error{"this upload was removed while it was sent (its account was deleted)", 410};
  const DbRow& up = rows->front();
  const std::string item_id = random_id();
  const std::string ext = safe_extension(up.text("filename"));
  const std::string source_dir = catalogue_.item_dir(item_id) + "/source";
  const std::string source = source_dir + "/original" + (ext.empty() ? "" : "." + ext);
  // A rename inside data_dir: quick, no copy (media_dir is data_dir/media by default).
  if (g_mkdir_with_parents(source_dir.c_str(), 0755) != 0)
    return Error{"cannot create " + source_dir + ": " + g_strerror(errno), 500};
  if (g_rename(part_path(upload_id).c_str(), source.c_str()) != 0) {
    g_autoptr(GFile) from = g_file_new_for_path(part_path(upload_id).c_str());
    g_autoptr(GFile) to = g_file_new_for_path(source.c_str());
    g_autoptr(GError) error = nullptr;
    if (!g_file_move(from, to, G_FILE_COPY_OVERWRITE, nullptr, nullptr, nullptr, &error))
      return Error{std::string("storing the upload: ") + error->message, 500};
  }
  NewItem item;
  item.id = item_id;
  item.owner_id = user_id;
  item.owner_username = username;
  item.title = up.text("title");
  item.origin = "upload";
  item.source_path = source;
  item.source_filename = up.text("filename");
  item.source_size = up.integer("length");
  item.source_mtime = unix_now();
  item.visibility = catalogue_.settings().default_visibility;
  auto created = catalogue_.create(std::move(item));
  if (!created) return created.error();
  // The upload row stays a moment (its id answers 410 "complete"), then expiry removes it.
  auto done = catalogue_.host().db().exec("UPDATE library_uploads SET item_id = ?, received = length WHERE id = ?",
                                          {item_id, upload_id});
  if (!done) g_warning("upload %s: %s", upload_id.c_str(), done.error().message.c_str());
  g_message("upload %s complete: item %s (%s)", upload_id.c_str(), item_id.c_str(), up.text("filename").c_str());
  return item_id;
}

void Uploads::terminate(const HttpRequest& request, HttpResponder respond) {
  if (auto refusal = check_resumable(request)) return respond(*refusal);
  auto who = uploader_of(request);
  if (auto* refusal = std::get_if<HttpResponse>(&who)) return respond(*refusal);
  const std::string id = request.params.at("id");
  auto upload = own_upload(catalogue_.host().db(), id, std::get<UserIdentity>(who));
  if (auto* refusal = std::get_if<HttpResponse>(&upload)) return respond(*refusal);
  if (active_.count(id)) return respond(tus_error(423, "a PATCH of this upload is in progress"));
  auto r = catalogue_.host().db().exec("DELETE FROM library_uploads WHERE id = ?", {id});
  if (!r) return respond(tus_error(500, r.error().message));
  const std::string path = part_path(id);
  run_in_worker([path] { g_unlink(path.c_str()); }, [respond = std::move(respond)] { respond(no_content()); });
}

void Uploads::expire() {
  const int64_t now = unix_now();
  auto rows = catalogue_.host().db().query(
      "SELECT id, item_id FROM library_uploads WHERE expires_at <= ? OR (item_id IS NOT NULL AND created_at < ?)",
      {now, now - 3600});
  if (!rows) {
    g_warning("library: expiring uploads: %s", rows.error().message.c_str());
    return;
  }
  std::vector<std::string> paths;
  for (const auto& r : *rows) {
    const std::string id = r.text("id");
    if (active_.count(id)) continue;
    if (auto d = catalogue_.host().db().exec("DELETE FROM library_uploads WHERE id = ?", {id}); !d) continue;
    if (r.is_null("item_id")) {
      g_message("upload %s expired; its partial file is removed", id.c_str());
      paths.push_back(part_path(id));
    }
  }
  if (paths.empty()) return;
  run_in_worker([paths] { for (const auto& p : paths) g_unlink(p.c_str()); }, [] {});
}

size_t Uploads::remove_uploads_of(int64_t user_id) {
  auto rows = catalogue_.host().db().query("SELECT id, item_id FROM library_uploads WHERE user_id = ?", {user_id});
  if (!rows) {
    g_warning("library: uploads of account %" G_GINT64_FORMAT ": %s", user_id, rows.error().message.c_str());
    return 0;
  }
  std::vector<std::string> paths;
  for (const auto& r : *rows) {
    const std::string id = r.text("id");
    if (auto d = catalogue_.host().db().exec("DELETE FROM library_uploads WHERE id = ?", {id}); !d) continue;
    if (r.is_null("item_id")) paths.push_back(part_path(id));
  }
  // An unfinished upload's rows are its only trace (item_id NULL); a finished one's file already
  // is its item's.
  if (!paths.empty()) run_in_worker([paths] { for (const auto& p : paths) g_unlink(p.c_str()); }, [] {});
  return paths.size();
}

void Uploads::start_expiry_timer() {
  expire();
  const int64_t expiry = catalogue_.settings().upload_expiry_s;
  const guint seconds = static_cast<guint>(std::clamp<int64_t>(expiry / 4, 1, 600));
  std::weak_ptr<Uploads> weak = shared_from_this();
  auto* holder = new std::weak_ptr<Uploads>(weak);
  g_timeout_add_seconds_full(
      G_PRIORITY_LOW, seconds,
      [](gpointer data) -> gboolean {
        auto self = static_cast<std::weak_ptr<Uploads>*>(data)->lock();
        if (!self) return G_SOURCE_REMOVE;
        self->expire();
        return G_SOURCE_CONTINUE;
      },
      holder, [](gpointer data) { delete static_cast<std::weak_ptr<Uploads>*>(data); });
}

}  // namespace kek::library
