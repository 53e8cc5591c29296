#include "job_runner.h"

#include "subtitles.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <cmath>

namespace kek::library {

namespace {

constexpr guint kTickMs = 1000;

int64_t now_s() { return g_get_real_time() / G_USEC_PER_SEC; }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(g_ascii_tolower(c)); });
  return s;
}

// The probe writes what GstDiscoverer says (caps names or descriptions); the template wants a
// demuxer family and plain codec names.
std::string container_family(const std::string& probed) {
  const std::string c = lower(probed);
  if (c.find("quicktime") != std::string::npos || c.find("mp4") != std::string::npos ||
      c.find("mov") != std::string::npos || c.find("3gp") != std::string::npos)
    return "quicktime";
  if (c.find("matroska") != std::string::npos || c.find("webm") != std::string::npos || c.find("mkv") != std::string::npos)
    return "matroska";
  return c.empty() ? "other" : "other";
}

std::string video_codec_name(const std::string& probed) {
  const std::string c = lower(probed);
  if (c.empty()) return "";
  if (c.find("h264") != std::string::npos || c.find("h.264") != std::string::npos || c.find("avc") != std::string::npos)
    return "h264";
  return "other";
}

std::string audio_codec_name(const std::string& probed) {
  const std::string c = lower(probed);
  if (c.empty()) return "";
  if (c.find("aac") != std::string::npos || c.find("mpegversion=(int)4") != std::string::npos ||
      c.find("mpegversion=4") != std::string::npos || c.find("mp4a") != std::string::npos)
    return "aac";
  return "other";
}

// 29.97 -> "30000/1001", 25 -> "25/1".
std::string fps_fraction(double fps) {
  if (fps <= 0) return "";
  if (std::fabs(fps - std::round(fps)) < 0.01) return std::to_string(static_cast<int>(std::round(fps))) + "/1";
  return std::to_string(static_cast<int>(std::round(fps * 1001))) + "/1001";
}

std::string read_small(const std::string& path) {
  g_autofree char* text = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(path.c_str(), &text, &len, nullptr)) return {};
  return std::string(text, len);
}

// BANDWIDTH of each variant in the master playlist, by its folder name.
std::map<std::string, int> master_bandwidths(const std::string& master) {
  std::map<std::string, int> out;
  std::string text = read_small(master);
  size_t pos = 0;
  while ((pos = text.find("#EXT-X-STREAM-INF:", pos)) != std::string::npos) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) break;
    std::string attrs = text.substr(pos, eol - pos);
    size_t next = text.find('\n', eol + 1);
    std::string uri = text.substr(eol + 1, next == std::string::npos ? std::string::npos : next - eol - 1);
    size_t b = attrs.find("BANDWIDTH=");
    if (b != std::string::npos && (b == 0 || attrs[b - 1] != '-'))
      out[uri.substr(0, uri.find('/'))] = static_cast<int>(std::strtoll(attrs.c_str() + b + 10, nullptr, 10) / 1000);
    pos = eol;
  }
  return out;
}

// Removes a folder tree (an interrupted run's output) in a worker thread: it can hold
// thousands of segments, and the main loop never waits for the disk.
void remove_tree_async(const std::string& dir) {
  if (!g_file_test(dir.c_str(), G_FILE_TEST_IS_DIR)) return;
  // Renamed first (instant), so the new run writes into a fresh folder at once.
  std::string aside = dir + ".old-" + std::to_string(g_get_real_time());
  if (g_rename(dir.c_str(), aside.c_str()) != 0) return;
  g_autoptr(GTask) task = g_task_new(nullptr, nullptr, nullptr, nullptr);
  g_task_set_task_data(task, g_strdup(aside.c_str()), g_free);
  g_task_run_in_thread(task, [](GTask*, gpointer, gpointer data, GCancellable*) {
    std::vector<std::string> stack{static_cast<const char*>(data)}, dirs;
    while (!stack.empty()) {
      std::string d = stack.back();
      stack.pop_back();
      dirs.push_back(d);
      GDir* it = g_dir_open(d.c_str(), 0, nullptr);
      if (!it) continue;
      while (const char* name = g_dir_read_name(it)) {
        std::string p = d + "/" + name;
        if (g_file_test(p.c_str(), G_FILE_TEST_IS_DIR) && !g_file_test(p.c_str(), G_FILE_TEST_IS_SYMLINK)) stack.push_back(p);
        else g_unlink(p.c_str());
      }
      g_dir_close(it);
    }
    for (auto d = dirs.rbegin(); d != dirs.rend(); ++d) g_rmdir(d->c_str());
  });
}

}  // namespace

std::string job_pipeline_id(const std::string& item_id) { return "library-" + item_id; }

std::string stream_path(const std::string& file) { return std::string(kVodStreamDir) + "/" + file; }

int sprite_interval_s(double duration_s) {
  return std::clamp(static_cast<int>(std::ceil(duration_s / 100.0)), 1, 10);
}

std::string sprite_vtt(double duration_s, int interval_s, int tile_w, int tile_h, int columns, int rows, int sheets) {
  auto stamp = [](double t) {
    const int64_t ms = static_cast<int64_t>(std::llround(t * 1000));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld", static_cast<long long>(ms / 3600000),
                  static_cast<long long>(ms / 60000 % 60), static_cast<long long>(ms / 1000 % 60),
                  static_cast<long long>(ms % 1000));
    return std::string(buf);
  };
  std::string out = "WEBVTT\n";
  const int per_sheet = columns * rows;
  for (int n = 0; n * static_cast<double>(interval_s) < duration_s && n < sheets * per_sheet; ++n) {
    const double from = n * static_cast<double>(interval_s), to = std::min(duration_s, from + interval_s);
    char name[48];
    std::snprintf(name, sizeof name, "sheet-%03d.jpg", n / per_sheet);
    out += "\n" + stamp(from) + " --> " + stamp(to) + "\n" + name + "#xywh=" + std::to_string(n % columns * tile_w) +
           "," + std::to_string(n / columns % rows * tile_h) + "," + std::to_string(tile_w) + "," +
           std::to_string(tile_h) + "\n";
  }
  return out;
}

JobRunner::JobRunner(Host& host, TranscodeSettings settings) : host_(host), settings_(std::move(settings)) {}

JobRunner::~JobRunner() { stop(); }

Status JobRunner::start() {
  // A job still `running` was cut short (kill -9, power loss): it runs again from the start,
  // unless it has been cut short too often (a file that takes the process down with it).
  auto interrupted = host_.db().query(
      "SELECT j.id, j.item_id, j.attempts, i.owner_id FROM library_jobs j JOIN library_items i ON i.id = j.item_id "
      "WHERE j.state = 'running'");
  if (!interrupted) return wrap(interrupted.error(), "library: interrupted jobs");
  for (const auto& row : *interrupted) {
    if (row.integer("attempts") >= settings_.max_attempts) {
      fail_job(row.integer("id"), row.text("item_id"), row.integer("owner_id"),
               "the transcode was interrupted " + std::to_string(row.integer("attempts")) + " times");
      continue;
    }
    g_message("library: job %lld for %s was interrupted, queued again", static_cast<long long>(row.integer("id")),
              row.text("item_id").c_str());
    auto s = host_.db().exec("UPDATE library_jobs SET state = 'queued', progress = 0, eta_s = NULL, updated_at = ? "
                             "WHERE id = ?",
                             {now_s(), row.integer("id")});
    if (!s) return s.error();
    (void)host_.db().exec("UPDATE library_items SET status = 'queued', progress = 0, eta_s = NULL, playable = 0, "
                          "updated_at = ? WHERE id = ?",
                          {now_s(), row.text("item_id")});
  }
  subscription_ = host_.events().subscribe(kEventPipelineStateChanged, [this](const Event& e) { on_pipeline_state(e); });
  timer_ = g_timeout_add(kTickMs, [](gpointer self) -> gboolean {
    static_cast<JobRunner*>(self)->tick();
    return G_SOURCE_CONTINUE;
  }, this);
  take_queued();
  return {};
}

void JobRunner::stop() {
  if (timer_) g_source_remove(timer_);
  timer_ = 0;
  if (subscription_) host_.events().unsubscribe(subscription_);
  subscription_ = 0;
}

void JobRunner::tick() {
  for (auto& [id, job] : running_) {
    if (!job.playable && check_playable(job) && publish_manifests(job, false)) {
      job.playable = true;
      // While the job runs, DASH players read the packager's own (dynamic) MPD.
      (void)host_.db().exec("UPDATE library_items SET playable = 1, hls = ?, dash = ?, updated_at = ? WHERE id = ?",
                            {stream_path(kPublishedMaster), stream_path(kVodPackagedMpd), now_s(), job.item_id});
      publish(kEventLibraryReady, job.item_id, job.owner_id,
              {{"hls", media_url(job, kPublishedMaster)}, {"dash", media_url(job, kVodPackagedMpd)}});
      publish("library.playable", job.item_id, job.owner_id, {});
    }
    report_progress(job);
  }
  take_queued();
}

void JobRunner::take_queued() {
  while (static_cast<int>(running_.size()) < settings_.jobs) {
    auto next = host_.db().query("SELECT id, item_id FROM library_jobs WHERE state = 'queued' ORDER BY id LIMIT 1");
    if (!next || next->empty()) return;
    const int64_t job_id = (*next)[0].integer("id");
    const std::string item_id = (*next)[0].text("item_id");
    if (auto s = launch(job_id, item_id); !s) {
      // A job that cannot even start (no template, a source gone) fails with the reason; the
      // loop goes on with the next one.
      auto owner = host_.db().query("SELECT owner_id FROM library_items WHERE id = ?", {item_id});
      fail_job(job_id, item_id, owner && !owner->empty() ? (*owner)[0].integer("owner_id") : 0, s.error().message);
    }
  }
}

Status JobRunner::launch(int64_t job_id, const std::string& item_id) {
  auto rows = host_.db().query(
      "SELECT owner_id, source_path, container, video_codec, audio_codec, width, height, fps, duration_s, has_video "
      "FROM library_items WHERE id = ?",
      {item_id});
  if (!rows) return rows.error();
  if (rows->empty()) return Error{"the item is gone", 404};
  const DbRow& item = rows->front();
  const std::string source = item.text("source_path");
  if (!g_file_test(source.c_str(), G_FILE_TEST_IS_REGULAR)) return Error{"the source file is missing: " + source, 404};

  Job job;
  job.id = job_id;
  job.item_id = item_id;
  job.owner_id = item.integer("owner_id");
  job.out_dir = host_.media_dir() + "/vod/" + item_id;
  job.duration_s = item.real("duration_s");
  job.started_us = g_get_monotonic_time();

  VodSource src;
  src.container = container_family(item.text("container"));
  src.video_codec = item.integer("has_video", 1) ? video_codec_name(item.text("video_codec")) : "";
  src.audio_codec = audio_codec_name(item.text("audio_codec"));
  src.width = static_cast<int>(item.integer("width"));
  src.height = static_cast<int>(item.integer("height"));
  job.width = src.width;
  job.height = src.height;
  job.rungs = plan_rungs(src, settings_.ladder, settings_.copy);
  job.has_audio = !src.audio_codec.empty();

  Vars vars{{"source", source},
            {"out", job.out_dir},
            {"item", item_id},
            {"container", src.container},
            {"video_codec", src.video_codec},
            {"audio_codec", src.audio_codec},
            {"width", std::to_string(src.width)},
            {"height", std::to_string(src.height)},
            {"fps", fps_fraction(item.real("fps"))},
            {"ladder", format_vod_ladder(settings_.ladder)},
            {"segment_s", std::to_string(settings_.segment_s)},
            {"preset", settings_.preset},
            {"threads", std::to_string(settings_.threads)},
            {"copy", settings_.copy ? "true" : "false"},
            {"poster_at_s", std::to_string(job.duration_s * 0.1)},
            {"sprite_interval_s", std::to_string(sprite_interval_s(job.duration_s))}};
  // Every run starts from nothing: an interrupted run's segments would not match the new
  // playlists (segment names carry the run's start time).
  remove_tree_async(job.out_dir + "/" + kVodStreamDir);
  remove_tree_async(job.out_dir + "/sprites");
  g_unlink((job.out_dir + "/poster.jpg").c_str());

  auto started = host_.db().exec(
      "UPDATE library_jobs SET state = 'running', attempts = attempts + 1, progress = 0, eta_s = NULL, error = '', "
      "started_at = ?, finished_at = NULL, updated_at = ? WHERE id = ?",
      {now_s(), now_s(), job_id});
  if (!started) return started.error();
  (void)host_.db().exec("UPDATE library_items SET status = 'processing', progress = 0, eta_s = NULL, error = '', "
                        "playable = 0, hls = '', dash = '', updated_at = ? WHERE id = ?",
                        {now_s(), item_id});
  const std::string pid = job_pipeline_id(item_id);
  running_[pid] = job;
  PipelineOptions options;
  options.restart_on_error = false;  // a failed transcode fails the job; retry is the owner's call
  options.replace = true;
  g_message("library: job %lld transcodes %s (%zu rungs)", static_cast<long long>(job_id), item_id.c_str(),
            job.rungs.size());
  if (auto s = host_.pipelines().start(pid, kVodAbrTemplate, vars, options); !s) {
    running_.erase(pid);
    return s.error();
  }
  publish(kEventLibraryProgress, item_id, job.owner_id, {{"status", "processing"}, {"progress", "0"}, {"eta_s", ""}});
  return {};
}

bool JobRunner::check_playable(Job& job) {
  // The packager writes its master once every rendition has a segment; check the rungs too.
  const std::string dir = job.out_dir + "/" + kVodStreamDir;
  if (!g_file_test((dir + "/" + kVodPackagedMaster).c_str(), G_FILE_TEST_EXISTS)) return false;
  std::vector<std::string> variants;
  for (const auto& r : job.rungs) variants.push_back(r.name);
  if (variants.empty()) variants.push_back("audio_0");
  for (const auto& v : variants)
    if (read_small(dir + "/" + v + "/index.m3u8").find("#EXTINF") == std::string::npos) return false;
  return true;
}

bool JobRunner::publish_manifests(const Job& job, bool final) {
  // The item's own manifests: the packager's, with the item's subtitle renditions added.
  const std::string dir = job.out_dir + "/" + kVodStreamDir + "/";
  const std::vector<SubtitleRendition> subtitles;  // sidecars, uploads and text tracks: next
  auto write = [&](const char* from, const char* to, auto add) {
    std::string text = read_small(dir + from);
    if (text.empty()) return false;
    text = add(text, subtitles);
    if (!g_file_set_contents((dir + to).c_str(), text.data(), static_cast<gssize>(text.size()), nullptr)) return false;
    return true;
  };
  if (!write(kVodPackagedMaster, kPublishedMaster, add_subtitles_to_master)) return false;
  if (final && !write(kVodPackagedMpd, kPublishedMpd, add_subtitles_to_mpd)) return false;
  return true;
}

void JobRunner::report_progress(Job& job) {
  auto info = host_.pipelines().info(job_pipeline_id(job.item_id));
  if (!info || info->position_ns < 0) return;
  double duration = job.duration_s > 0 ? job.duration_s : info->duration_ns > 0 ? info->duration_ns / 1e9 : 0;
  if (duration <= 0) return;
  double p = std::clamp(info->position_ns / 1e9 / duration * 100.0, 0.0, 99.0);
  if (p < job.progress) return;  // the position of several branches: never move backwards
  job.progress = p;
  const double elapsed = (g_get_monotonic_time() - job.started_us) / 1e6;
  DbValue eta;
  std::string eta_text;
  if (p >= 1.0) {
    eta = static_cast<int64_t>(std::lround(elapsed * (100.0 - p) / p));
    eta_text = std::to_string(std::get<int64_t>(eta));
  }
  const double rounded = std::round(p * 10) / 10;
  (void)host_.db().exec("UPDATE library_jobs SET progress = ?, eta_s = ?, updated_at = ? WHERE id = ?",
                        {rounded, eta, now_s(), job.id});
  (void)host_.db().exec("UPDATE library_items SET progress = ?, eta_s = ?, updated_at = ? WHERE id = ?",
                        {rounded, eta, now_s(), job.item_id});
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", rounded);
  publish(kEventLibraryProgress, job.item_id, job.owner_id,
          {{"status", "processing"}, {"progress", text}, {"eta_s", eta_text}});
}

void JobRunner::on_pipeline_state(const Event& e) {
  auto it = running_.find(e.get("id"));
  if (it == running_.end()) return;
  const std::string state = e.get("state");
  Job& job = it->second;
  if (state == "finished") {
    finish(job);
  } else if (state == "failed") {
    fail(job, e.get("error").empty() ? "the transcode failed" : e.get("error"));
  } else if (state == "stopped") {
    if (job.cancelling) {
      (void)host_.db().exec("UPDATE library_jobs SET state = 'cancelled', finished_at = ?, updated_at = ? WHERE id = ?",
                            {now_s(), now_s(), job.id});
      (void)host_.db().exec("UPDATE library_items SET status = 'failed', error = 'cancelled', eta_s = NULL, "
                            "updated_at = ? WHERE id = ?",
                            {now_s(), job.item_id});
      publish(kEventLibraryFailed, job.item_id, job.owner_id, {{"error", "cancelled"}});
    }
    // Otherwise the process is stopping: the row stays `running` and runs again at start-up.
  } else {
    return;
  }
  running_.erase(it);
  take_queued();
}

void JobRunner::finish(Job& job) {
  const std::string master = job.out_dir + "/" + kVodStreamDir + "/" + kVodPackagedMaster;
  if (!g_file_test(master.c_str(), G_FILE_TEST_EXISTS) || !publish_manifests(job, true)) {
    fail(job, "the transcode ended without writing a playlist (no media in the file?)");
    return;
  }
  auto rates = master_bandwidths(master);
  const std::string poster = g_file_test((job.out_dir + "/poster.jpg").c_str(), G_FILE_TEST_EXISTS) ? "poster.jpg" : "";
  const std::string vtt = write_sprite_index(job);
  Status s = host_.db().transaction([&]() -> Status {
    if (auto r = host_.db().exec("DELETE FROM library_renditions WHERE item_id = ?", {job.item_id}); !r) return r.error();
    for (const auto& r : job.rungs) {
      int kbps = r.bitrate_kbps;
      if (auto m = rates.find(r.name); m != rates.end() && m->second > 0) kbps = m->second;
      auto ins = host_.db().exec(
          "INSERT INTO library_renditions (item_id, name, width, height, bitrate_kbps, playlist) VALUES (?, ?, ?, ?, ?, ?)",
          {job.item_id, r.name, int64_t{r.width}, int64_t{r.height}, int64_t{kbps},
           stream_path(r.name + "/index.m3u8")});
      if (!ins) return ins.error();
    }
    auto j = host_.db().exec("UPDATE library_jobs SET state = 'done', progress = 100, eta_s = NULL, finished_at = ?, "
                             "updated_at = ? WHERE id = ?",
                             {now_s(), now_s(), job.id});
    if (!j) return j.error();
    auto i = host_.db().exec("UPDATE library_items SET status = 'ready', playable = 1, progress = 100, eta_s = NULL, "
                             "error = '', hls = ?, dash = ?, poster = ?, sprite_vtt = ?, updated_at = ? WHERE id = ?",
                             {stream_path(kPublishedMaster), stream_path(kPublishedMpd), poster, vtt, now_s(), job.item_id});
    if (!i) return i.error();
    return {};
  });
  if (!s) {
    g_warning("library: job %lld: %s", static_cast<long long>(job.id), s.error().message.c_str());
    return;
  }
  g_message("library: %s is ready (%.1f s)", job.item_id.c_str(), (g_get_monotonic_time() - job.started_us) / 1e6);
  if (!job.playable) {
    publish(kEventLibraryReady, job.item_id, job.owner_id,
            {{"hls", media_url(job, kPublishedMaster)}, {"dash", media_url(job, kPublishedMpd)}});
    publish("library.playable", job.item_id, job.owner_id, {});
  }
  publish(kEventLibraryProgress, job.item_id, job.owner_id, {{"status", "ready"}, {"progress", "100"}, {"eta_s", ""}});
}

std::string JobRunner::write_sprite_index(const Job& job) {
  const std::string dir = job.out_dir + "/sprites";
  int sheets = 0;
  for (;; ++sheets) {
    char name[48];
    std::snprintf(name, sizeof name, "/sheet-%03d.jpg", sheets);
    if (!g_file_test((dir + name).c_str(), G_FILE_TEST_EXISTS)) break;
  }
  if (sheets == 0 || job.rungs.empty()) return "";
  // The tile size the template used: 160 wide, the source's aspect.
  std::string text = sprite_vtt(job.duration_s, sprite_interval_s(job.duration_s), kSpriteTileWidth,
                                sprite_tile_height(job.width, job.height), kSpriteColumns, kSpriteRows, sheets);
  if (!g_file_set_contents((dir + "/thumbnails.vtt").c_str(), text.data(), static_cast<gssize>(text.size()), nullptr))
    return "";
  return "sprites/thumbnails.vtt";
}

void JobRunner::fail(Job& job, const std::string& error) { fail_job(job.id, job.item_id, job.owner_id, error); }

void JobRunner::fail_job(int64_t job_id, const std::string& item_id, int64_t owner_id, const std::string& error) {
  g_warning("library: job %lld for %s failed: %s", static_cast<long long>(job_id), item_id.c_str(), error.c_str());
  (void)host_.db().exec("UPDATE library_jobs SET state = 'failed', error = ?, eta_s = NULL, finished_at = ?, "
                        "updated_at = ? WHERE id = ?",
                        {error, now_s(), now_s(), job_id});
  (void)host_.db().exec("UPDATE library_items SET status = 'failed', error = ?, eta_s = NULL, updated_at = ? WHERE id = ?",
                        {error, now_s(), item_id});
  publish(kEventLibraryFailed, item_id, owner_id, {{"error", error}});
}

Status JobRunner::cancel(const std::string& item_id) {
  const std::string pid = job_pipeline_id(item_id);
  if (auto it = running_.find(pid); it != running_.end()) {
    it->second.cancelling = true;
    return host_.pipelines().stop(pid);
  }
  auto r = host_.db().exec("UPDATE library_jobs SET state = 'cancelled', finished_at = ?, updated_at = ? "
                           "WHERE item_id = ? AND state = 'queued'",
                           {now_s(), now_s(), item_id});
  if (!r) return r.error();
  if (r->changes == 0) return Error{"no queued or running transcode for this item", 409};
  (void)host_.db().exec("UPDATE library_items SET status = 'failed', error = 'cancelled', updated_at = ? WHERE id = ?",
                        {now_s(), item_id});
  return {};
}

Status JobRunner::retry(const std::string& item_id) {
  if (running_.count(job_pipeline_id(item_id))) return Error{"the transcode is running", 409};
  auto last = host_.db().query("SELECT id, state FROM library_jobs WHERE item_id = ? ORDER BY id DESC LIMIT 1", {item_id});
  if (!last) return last.error();
  if (last->empty()) return Error{"this item has no transcode to retry", 409};
  const std::string state = (*last)[0].text("state");
  if (state != "failed" && state != "cancelled") return Error{"the transcode is " + state + ", not failed", 409};
  auto r = host_.db().exec("UPDATE library_jobs SET state = 'queued', attempts = 0, progress = 0, eta_s = NULL, "
                           "error = '', updated_at = ? WHERE id = ?",
                           {now_s(), (*last)[0].integer("id")});
  if (!r) return r.error();
  (void)host_.db().exec("UPDATE library_items SET status = 'queued', progress = 0, error = '', updated_at = ? WHERE id = ?",
                        {now_s(), item_id});
  take_queued();
  return {};
}

void JobRunner::publish(const char* name, const std::string& item_id, int64_t owner_id,
                        std::map<std::string, std::string> fields) {
  fields["id"] = item_id;
  fields["owner_id"] = std::to_string(owner_id);
  fields["media_prefix"] = "vod/" + item_id + "/";
  host_.events().publish(Event{name, std::move(fields)});
}

}  // namespace kek::library
