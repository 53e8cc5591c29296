// tus 1.0 uploads under /api/uploads/ (core, creation, termination, expiration): each PATCH body
// streamed to data_dir/uploads/<id>.part off the main loop; the PATCH that completes an upload
// turns it into a library item.
#pragma once

#include "catalogue.h"

#include <kek/host.h>

#include <functional>
#include <memory>
#include <set>
#include <string>

namespace kek::library {

class Uploads : public std::enable_shared_from_this<Uploads> {
 public:
  // on_item runs for each item an upload became (to probe it).
  Uploads(Catalogue& catalogue, std::function<void(const std::string& item_id)> on_item);

  void add_routes();
  // Removes expired partial uploads (and their files); runs now and then from a timer.
  void expire();
  void start_expiry_timer();
  // Removes every unfinished upload of the user (an account deleted) with its partial file; a
  // PATCH still under way then ends with 410. Returns how many.
  size_t remove_uploads_of(int64_t user_id);

  std::string uploads_dir() const;
  std::string part_path(const std::string& upload_id) const;

  // For the sink: the upload's bytes up to `received` are on disk.
  void record_progress(const std::string& upload_id, int64_t received);
  void release(const std::string& upload_id) { active_.erase(upload_id); }
  Result<std::string> complete(const std::string& upload_id, int64_t user_id, const std::string& username);
  void item_created(const std::string& item_id) { if (on_item_) on_item_(item_id); }

 private:
  HttpResponse create(const HttpRequest& request);
  HttpResponse head(const HttpRequest& request);
  HttpResponse options(const HttpRequest& request);
  void terminate(const HttpRequest& request, HttpResponder respond);
  std::variant<HttpResponse, std::shared_ptr<BodySink>> patch(const HttpRequest& request);

  // The signed-in uploader, or the refusal (401 / 403).
  std::variant<UserIdentity, HttpResponse> uploader_of(const HttpRequest& request);
  std::optional<HttpResponse> check_resumable(const HttpRequest& request) const;

  Catalogue& catalogue_;
  std::function<void(const std::string&)> on_item_;
  std::set<std::string> active_;  // uploads with a PATCH in progress
};

// "Wed, 25 Jun 2014 16:00:00 GMT"
std::string http_date(int64_t unix_seconds);

// Upload-Metadata: "key base64,key2 base64" -> decoded pairs; nullopt when malformed.
std::optional<std::map<std::string, std::string>> parse_upload_metadata(const std::string& header);

}  // namespace kek::library
