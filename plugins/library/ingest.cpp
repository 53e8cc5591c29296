#include "ingest.h"

#include <kek/worker.h>


namespace kek::library {

Ingest::Ingest(Catalogue& catalogue) : catalogue_(catalogue) {}

void Ingest::probe(const std::string& item_id) {
  if (queued_.count(item_id)) return;
  queued_.insert(item_id);
  queue_.push_back(item_id);
  next();
}

void Ingest::resume_unprobed() {
  auto rows = catalogue_.host().db().query(
      "SELECT id FROM library_items WHERE probed_at IS NULL AND status = 'queued' ORDER BY created_at");
  if (!rows) {
    g_warning("library: finding unprobed items: %s", rows.error().message.c_str());
    return;
  }
  for (const auto& r : *rows) probe(r.text("id"));
}

void Ingest::next() {
  if (busy_ || queue_.empty()) return;
  const std::string id = queue_.front();
  queue_.pop_front();
  queued_.erase(id);
  auto row = catalogue_.row(id);
  if (!row || !*row) return next();  // deleted meanwhile
  const std::string path = (*row)->text("source_path");
  auto self = shared_from_this();
  auto finished = [self, id](ProbeResult result) {
    self->busy_ = false;
    if (auto s = self->apply(id, result); !s) g_warning("library: item %s: %s", id.c_str(), s.error().message.c_str());
    if (self->probed_) self->probed_(id, result);
    self->next();
  };
  busy_ = true;
  if ((*row)->integer("source_size") == 0) {
    ProbeResult empty;
    empty.error = "the file is empty (0 bytes)";
    return finished(empty);
  }
  // The file's own structure first (a truncated MP4 is named at once), then GstDiscoverer.
  run_in_worker<std::string>([path] { return quick_damage_check(path); },
                             [self, path, finished = std::move(finished)](std::string damage) mutable {
                               if (!damage.empty()) {
                                 ProbeResult r;
                                 r.error = std::move(damage);
                                 return finished(r);
                               }
                               if (!self->prober_)
                                 self->prober_ = std::make_unique<Prober>(
                                     static_cast<int>(self->catalogue_.settings().probe_timeout_s));
                               self->prober_->probe(path, std::move(finished));
                             });
}

Status Ingest::apply(const std::string& id, const ProbeResult& result) {
  Database& db = catalogue_.host().db();
  auto row = catalogue_.row(id);
  if (!row) return row.error();
  if (!*row) return {};  // deleted while it was probed
  const int64_t now = unix_now();
  if (!result.ok) {
    g_message("library: item %s (%s) failed: %s", id.c_str(), (*row)->text("source_filename").c_str(),
              result.error.c_str());
    auto r = db.exec("UPDATE library_items SET status = 'failed', error = ?, probed_at = ?, updated_at = ? WHERE id = ?",
                     {result.error, now, now, id});
    if (!r) return r.error();
    catalogue_.host().events().publish(
        {"library.failed", {{"id", id}, {"error", result.error}, {"owner_id", std::to_string((*row)->integer("owner_id"))}}});
    return {};
  }
  return db.transaction([&]() -> Status {
    auto r = db.exec(
        "UPDATE library_items SET container = ?, video_codec = ?, audio_codec = ?, width = ?, height = ?, fps = ?,"
        " duration_s = ?, has_video = ?, probed_at = ?, status = 'queued', error = '', updated_at = ? WHERE id = ?",
        {result.container, result.video_codec, result.audio_codec, int64_t{result.width}, int64_t{result.height},
         result.fps, result.duration_s, int64_t{result.has_video ? 1 : 0}, now, now, id});
    if (!r) return r.error();
    if (auto d = db.exec("DELETE FROM library_tracks WHERE item_id = ? AND source = 'embedded'", {id}); !d)
      return d.error();
    for (const auto& a : result.audio) {
      auto t = db.exec(
          "INSERT INTO library_tracks (item_id, kind, stream_index, language, label, codec, channels, is_default, source)"
          " VALUES (?, 'audio', ?, ?, ?, ?, ?, ?, 'embedded')",
          {id, int64_t{a.index}, a.language, a.label, a.codec, int64_t{a.channels}, int64_t{a.index == 0 ? 1 : 0}});
      if (!t) return t.error();
    }
    for (const auto& s : result.subtitles) {
      auto t = db.exec(
          "INSERT INTO library_tracks (item_id, kind, stream_index, language, label, codec, source)"
          " VALUES (?, 'subtitle', ?, ?, ?, ?, 'embedded')",
          {id, int64_t{s.index}, s.language, s.label, s.codec});
      if (!t) return t.error();
    }
    // One transcode job per item: a re-probe of an item whose job is done or failed queues it again.
    auto jobs = db.query("SELECT id FROM library_jobs WHERE item_id = ? AND state IN ('queued', 'running')", {id});
    if (!jobs) return jobs.error();
    if (jobs->empty()) {
      auto j = db.exec("INSERT INTO library_jobs (item_id, kind, state, created_at, updated_at) VALUES (?, 'transcode', 'queued', ?, ?)",
                       {id, now, now});
      if (!j) return j.error();
    }
    catalogue_.host().events().publish({"library.queued", {{"id", id}, {"owner_id", std::to_string((*row)->integer("owner_id"))}}});
    return {};
  });
}

}  // namespace kek::library
