#include "job_runner.h"

#include "vod_subtitles.h"

#include <kek/worker.h>

#include <glib.h>

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
  return "other";
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

bool is_vtt(const std::string& output) { return g_str_has_suffix(output.c_str(), ".vtt"); }

}  // namespace

std::string job_pipeline_id(const std::string& item_id) { return "library-" + item_id; }
std::string subtitles_pipeline_id(const std::string& item_id) { return "library-" + item_id + "-subtitles"; }

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
      discard_outputs(row.text("item_id"), {});
      continue;
    }
    g_message("library: job %lld for %s was interrupted, queued again", static_cast<long long>(row.integer("id")),
              row.text("item_id").c_str());
    auto s = host_.db().exec("UPDATE library_jobs SET state = 'queued', progress = 0, eta_s = NULL, updated_at = ? "
                             "WHERE id = ?",
                             {now_s(), row.integer("id")});
    if (!s) return s.error();
    (void)host_.db().exec("UPDATE library_items SET status = 'queued', progress = 0, eta_s = NULL, playable = 0, "
                          "hls = '', dash = '', updated_at = ? WHERE id = ?",
                          {now_s(), row.text("item_id")});
  }
  subscriptions_.push_back(
      host_.events().subscribe(kEventPipelineStateChanged, [this](const Event& e) { on_pipeline_state(e); }));
  subscriptions_.push_back(host_.events().subscribe(kEventLibraryQueued, [this](const Event&) { take_queued(); }));
  subscriptions_.push_back(
      host_.events().subscribe(kEventLibrarySubtitles, [this](const Event& e) { subtitles_changed(e.get("id")); }));
  // A deleted item's folder is being removed: nothing more is written into it.
  subscriptions_.push_back(host_.events().subscribe(kEventLibraryDeleted, [this](const Event& e) {
    deleted_.insert(e.get("id"));
    (void)cancel(e.get("id"));
  }));
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
  for (uint64_t id : subscriptions_) host_.events().unsubscribe(id);
  subscriptions_.clear();
}

void JobRunner::tick() {
  std::vector<std::string> ids;
  for (const auto& [pid, job] : running_) ids.push_back(pid);
  for (const auto& pid : ids) {
    auto it = running_.find(pid);
    if (it == running_.end() || it->second.finishing) continue;
    if (!it->second.playable && !it->second.checking) check_playable(pid);
    report_progress(it->second);
  }
  take_queued();
}

void JobRunner::take_queued() {
  while (static_cast<int>(active()) < settings_.jobs) {
    auto next = host_.db().query("SELECT id, item_id FROM library_jobs WHERE state = 'queued' ORDER BY id LIMIT ?",
                                 {static_cast<int64_t>(preparing_.size() + 1)});
    if (!next) return;
    const DbRow* row = nullptr;
    for (const auto& r : *next)
      if (!preparing_.count(r.integer("id"))) {
        row = &r;
        break;
      }
    if (!row) return;
    prepare(row->integer("id"), row->text("item_id"));
  }
}

std::vector<SubtitleTrack> JobRunner::subtitle_tracks(const std::string& item_id) {
  std::vector<SubtitleTrack> out;
  auto rows = host_.db().query(
      "SELECT id, language, label, codec, source, source_path, output, stream_index FROM library_tracks "
      "WHERE item_id = ? AND kind = 'subtitle' ORDER BY id",
      {item_id});
  if (!rows) return out;
  for (const auto& r : *rows)
    out.push_back({r.integer("id"), r.text("language"), r.text("label"), r.text("codec"), r.text("source"),
                   r.text("source_path"), r.text("output"), static_cast<int>(r.integer("stream_index", -1))});
  return out;
}

void JobRunner::prepare(int64_t job_id, const std::string& item_id) {
  auto rows = host_.db().query("SELECT owner_id, source_path, duration_s FROM library_items WHERE id = ?", {item_id});
  if (!rows || rows->empty()) {
    fail_job(job_id, item_id, 0, rows ? "the item is gone" : rows.error().message);
    return;
  }
  const std::string source = rows->front().text("source_path");
  const double duration = rows->front().real("duration_s");
  // Sidecar and uploaded subtitles not yet WebVTT are converted before the run.
  std::vector<SubtitleTrack> convert;
  for (auto& t : subtitle_tracks(item_id))
    if (t.source != "embedded" && !is_vtt(t.output)) convert.push_back(t);
  preparing_.insert(job_id);
  std::weak_ptr<JobRunner> weak = weak_from_this();
  const std::string dir = item_dir(item_id);
  run_in_worker<PrepareResult>(
      [source, dir, convert, duration] { return prepare_item_folder(source, dir, convert, duration); },
      [weak, job_id, item_id](PrepareResult prepared) {
        if (auto self = weak.lock()) {
          self->preparing_.erase(job_id);
          self->launch(job_id, item_id, prepared);
        }
      });
}

void JobRunner::launch(int64_t job_id, const std::string& item_id, const PrepareResult& prepared) {
  // Cancelled (or deleted) while its folder was being prepared.
  auto state = host_.db().query("SELECT state FROM library_jobs WHERE id = ?", {job_id});
  if (!state || state->empty() || state->front().text("state") != "queued") {
    take_queued();
    return;
  }
  auto rows = host_.db().query(
      "SELECT owner_id, container, video_codec, audio_codec, width, height, fps, duration_s, has_video, source_path "
      "FROM library_items WHERE id = ?",
      {item_id});
  if (!rows || rows->empty()) {
    fail_job(job_id, item_id, 0, "the item is gone");
    take_queued();
    return;
  }
  const DbRow& item = rows->front();
  if (!prepared.error.empty()) {
    fail_job(job_id, item_id, item.integer("owner_id"), prepared.error);
    take_queued();
    return;
  }
  for (const auto& [track, output] : prepared.outputs)
    (void)host_.db().exec("UPDATE library_tracks SET output = ? WHERE id = ?", {output, track});
  for (const auto& [track, error] : prepared.errors)
    g_warning("library: subtitle track %lld of %s: %s", static_cast<long long>(track), item_id.c_str(), error.c_str());

  Job job;
  job.id = job_id;
  job.item_id = item_id;
  job.owner_id = item.integer("owner_id");
  job.item_dir = item_dir(item_id);
  job.duration_s = item.real("duration_s");
  job.started_us = g_get_monotonic_time();
  job.has_video = item.integer("has_video", 1) != 0;

  VodSource src;
  src.container = container_family(item.text("container"));
  src.video_codec = job.has_video ? video_codec_name(item.text("video_codec")) : "";
  src.width = static_cast<int>(item.integer("width"));
  src.height = static_cast<int>(item.integer("height"));
  // Every audio track, in the demuxer's order.
  std::vector<std::string> audio;
  if (auto tracks = host_.db().query(
          "SELECT codec FROM library_tracks WHERE item_id = ? AND kind = 'audio' ORDER BY stream_index", {item_id}))
    for (const auto& t : *tracks) audio.push_back(audio_codec_name(t.text("codec")));
  if (audio.empty() && !item.text("audio_codec").empty()) audio.push_back(audio_codec_name(item.text("audio_codec")));
  if (audio.size() > kMaxAudioTracks) audio.resize(kMaxAudioTracks);
  if (src.container == "other" && audio.size() > 1) audio.resize(1);  // decodebin: its first track
  src.audio_codec = audio.empty() ? "" : audio.front();
  job.width = src.width;
  job.height = src.height;
  job.rungs = plan_rungs(src, settings_.ladder, settings_.copy);
  for (const auto& r : job.rungs) job.renditions.push_back(r.name);
  if (job.rungs.empty() && !audio.empty()) job.renditions.push_back("audio_0");
  std::string audio_tracks;
  for (const auto& a : audio) audio_tracks += (audio_tracks.empty() ? "" : ",") + a;

  Vars vars{{"source", item.text("source_path")},
            {"out", job.item_dir},
            {"item", item_id},
            {"container", src.container},
            {"video_codec", src.video_codec},
            {"audio_codec", src.audio_codec},
            {"audio_tracks", audio_tracks},
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

  auto started = host_.db().exec(
      "UPDATE library_jobs SET state = 'running', attempts = attempts + 1, progress = 0, eta_s = NULL, error = '', "
      "started_at = ?, finished_at = NULL, updated_at = ? WHERE id = ?",
      {now_s(), now_s(), job_id});
  if (!started) {
    g_warning("library: job %lld: %s", static_cast<long long>(job_id), started.error().message.c_str());
    return;
  }
  (void)host_.db().exec("UPDATE library_items SET status = 'processing', progress = 0, eta_s = NULL, error = '', "
                        "playable = 0, hls = '', dash = '', updated_at = ? WHERE id = ?",
                        {now_s(), item_id});
  const std::string pid = job_pipeline_id(item_id);
  PipelineOptions options;
  options.restart_on_error = false;  // a failed transcode fails the job; retry is the owner's call
  options.replace = true;
  g_message("library: job %lld transcodes %s (%zu rungs, %zu audio tracks)", static_cast<long long>(job_id),
            item_id.c_str(), job.rungs.size(), audio.size());
  running_[pid] = job;
  if (auto s = host_.pipelines().start(pid, kVodAbrTemplate, vars, options); !s) {
    running_.erase(pid);
    fail_job(job_id, item_id, job.owner_id, s.error().message);
    take_queued();
    return;
  }
  // The film's text subtitle tracks, extracted beside the transcode (demuxing only).
  std::vector<TextTrack> text;
  for (const auto& t : subtitle_tracks(item_id))
    if (t.source == "embedded" && !is_vtt(t.output) && t.stream_index >= 0 && extractable_subtitle_codec(t.codec))
      text.push_back({t.stream_index, t.id, t.codec});
  if (!text.empty() && (src.container == "quicktime" || src.container == "matroska")) {
    Vars sub_vars{{"source", item.text("source_path")},
                  {"out", job.item_dir},
                  {"container", src.container},
                  {"tracks", format_text_tracks(text)}};
    if (auto s = host_.pipelines().start(subtitles_pipeline_id(item_id), kVodSubtitlesTemplate, sub_vars, options); !s)
      g_warning("library: the subtitles of %s: %s", item_id.c_str(), s.error().message.c_str());
    else
      running_[pid].subtitles_running = true;
  }
  publish(kEventLibraryProgress, item_id, job.owner_id, {{"status", "processing"}, {"progress", "0"}, {"eta_s", ""}});
}

void JobRunner::check_playable(const std::string& pid) {
  Job& job = running_.at(pid);
  job.checking = true;
  const auto subtitles = subtitle_renditions(subtitle_tracks(job.item_id));
  std::weak_ptr<JobRunner> weak = weak_from_this();
  const int64_t job_id = job.id;
  run_in_worker<bool>(
      [dir = job.item_dir, renditions = job.renditions, subtitles] {
        return packaged_ladder_plays(dir, renditions) && publish_manifests(dir, subtitles, false).ok();
      },
      [weak, pid, job_id](bool plays) {
        auto self = weak.lock();
        if (!self) return;
        auto it = self->running_.find(pid);
        if (it == self->running_.end() || it->second.id != job_id) return;
        Job& job = it->second;
        job.checking = false;
        if (!plays || job.playable || job.finishing) return;
        job.playable = true;
        // While the job runs, DASH players read the packager's own (dynamic) MPD.
        (void)self->host_.db().exec(
            "UPDATE library_items SET playable = 1, hls = ?, dash = ?, updated_at = ? WHERE id = ?",
            {stream_path(kPublishedMaster), stream_path(kVodPackagedMpd), now_s(), job.item_id});
        const std::string base = "/media/vod/" + job.item_id + "/";
        self->publish(kEventLibraryReady, job.item_id, job.owner_id,
                      {{"hls", base + stream_path(kPublishedMaster)}, {"dash", base + stream_path(kVodPackagedMpd)}});
        self->publish("library.playable", job.item_id, job.owner_id, {});
        g_message("library: %s plays (%.1f s after its start)", job.item_id.c_str(),
                  (g_get_monotonic_time() - job.started_us) / 1e6);
      });
}

void JobRunner::report_progress(Job& job) {
  auto info = host_.pipelines().info(job_pipeline_id(job.item_id));
  if (!info || info->position_ns < 0) return;
  double duration = job.duration_s > 0 ? job.duration_s : info->duration_ns > 0 ? info->duration_ns / 1e9 : 0;
  if (duration <= 0) return;
  double p = std::clamp(info->position_ns / 1e9 / duration * 100.0, 0.0, 99.0);
  if (p <= job.progress) return;  // the position of several branches: never move backwards
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
  const std::string id = e.get("id");
  const std::string state = e.get("state");
  if (g_str_has_suffix(id.c_str(), "-subtitles") && id.rfind("library-", 0) == 0) {
    on_subtitles_state(id.substr(8, id.size() - 8 - 10), state, e.get("error"));
    return;
  }
  auto it = running_.find(id);
  if (it == running_.end()) return;
  Job& job = it->second;
  if (state == "finished") {
    finish(id);
  } else if (state == "failed") {
    fail_job(job.id, job.item_id, job.owner_id, e.get("error").empty() ? "the transcode failed" : e.get("error"));
    if (job.subtitles_running) (void)host_.pipelines().stop(subtitles_pipeline_id(job.item_id));
    job.finishing = true;  // nothing more to do for it but clear its folder
    discard_outputs(job.item_id, [this, id] { end_job(id); });
  } else if (state == "stopped") {
    if (job.cancelling) {
      (void)host_.db().exec("UPDATE library_jobs SET state = 'cancelled', finished_at = ?, updated_at = ? WHERE id = ?",
                            {now_s(), now_s(), job.id});
      (void)host_.db().exec("UPDATE library_items SET status = 'failed', error = 'cancelled', eta_s = NULL, "
                            "playable = 0, hls = '', dash = '', updated_at = ? WHERE id = ?",
                            {now_s(), job.item_id});
      publish(kEventLibraryFailed, job.item_id, job.owner_id, {{"error", "cancelled"}});
      job.finishing = true;
      discard_outputs(job.item_id, [this, id] { end_job(id); });
      return;
    }
    // Otherwise the process is stopping: the row stays `running` and runs again at start-up.
    end_job(id);
  }
}

void JobRunner::on_subtitles_state(const std::string& item_id, const std::string& state, const std::string& error) {
  const std::string pid = job_pipeline_id(item_id);
  if (auto it = running_.find(pid); it != running_.end() && state != "running" && state != "starting")
    it->second.subtitles_running = false;
  if (state != "finished" && state != "failed") return;
  if (state == "failed") g_warning("library: the subtitles of %s: %s", item_id.c_str(), error.c_str());
  // What the line wrote (all of it on failure too: a track may be whole before another failed).
  std::vector<int64_t> ids;
  for (const auto& t : subtitle_tracks(item_id))
    if (t.source == "embedded" && !is_vtt(t.output) && extractable_subtitle_codec(t.codec)) ids.push_back(t.id);
  auto rows = host_.db().query("SELECT duration_s FROM library_items WHERE id = ?", {item_id});
  const double duration = rows && !rows->empty() ? rows->front().real("duration_s") : 0;
  make_subtitles(item_id, ids, [duration](const std::string& dir, int64_t id) {
    return finish_extracted_subtitle(dir, id, duration);
  });
}

void JobRunner::make_subtitles(const std::string& item_id, std::vector<int64_t> ids,
                               std::function<Result<std::string>(const std::string& dir, int64_t id)> make) {
  std::weak_ptr<JobRunner> weak = weak_from_this();
  using Outputs = std::map<int64_t, Result<std::string>>;
  run_in_worker<Outputs>(
      [dir = item_dir(item_id), ids, make] {
        Outputs out;
        for (int64_t id : ids) out.emplace(id, make(dir, id));
        return out;
      },
      [weak, item_id](Outputs outputs) {
        auto self = weak.lock();
        if (!self) return;
        for (const auto& [id, output] : outputs) {
          if (output) (void)self->host_.db().exec("UPDATE library_tracks SET output = ? WHERE id = ?", {*output, id});
          else g_warning("library: subtitle track %lld of %s: %s", static_cast<long long>(id), item_id.c_str(),
                         output.error().message.c_str());
        }
        // A WebVTT upload has its output already: only the manifests need it.
        self->republish(item_id);
      });
}

void JobRunner::finish(const std::string& pid) {
  Job& job = running_.at(pid);
  job.finishing = true;
  const auto subtitles = subtitle_renditions(subtitle_tracks(job.item_id));
  std::weak_ptr<JobRunner> weak = weak_from_this();
  run_in_worker<FinishResult>(
      [dir = job.item_dir, subtitles, duration = job.duration_s, w = job.width, h = job.height,
       video = !job.rungs.empty()] { return finish_item_folder(dir, subtitles, duration, w, h, video); },
      [weak, pid, job_id = job.id, subtitles](FinishResult r) {
        auto self = weak.lock();
        if (!self) return;
        auto it = self->running_.find(pid);
        if (it == self->running_.end() || it->second.id != job_id) return;
        Job& job = it->second;
        Database& db = self->host_.db();
        if (!r.error.empty()) {
          self->fail_job(job.id, job.item_id, job.owner_id, r.error);
          self->discard_outputs(job.item_id, [self, pid] { self->end_job(pid); });
          return;
        }
        Status s = db.transaction([&]() -> Status {
          if (auto d = db.exec("DELETE FROM library_renditions WHERE item_id = ?", {job.item_id}); !d) return d.error();
          for (const auto& rung : job.rungs) {
            int kbps = rung.bitrate_kbps;
            if (auto m = r.kbps.find(rung.name); m != r.kbps.end() && m->second > 0) kbps = m->second;
            auto ins = db.exec(
                "INSERT INTO library_renditions (item_id, name, width, height, bitrate_kbps, playlist) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                {job.item_id, rung.name, int64_t{rung.width}, int64_t{rung.height}, int64_t{kbps},
                 stream_path(rung.name + "/index.m3u8")});
            if (!ins) return ins.error();
          }
          auto j = db.exec("UPDATE library_jobs SET state = 'done', progress = 100, eta_s = NULL, finished_at = ?, "
                           "updated_at = ? WHERE id = ?",
                           {now_s(), now_s(), job.id});
          if (!j) return j.error();
          // The frame it picked is the poster unless the owner gave one of their own.
          auto i = db.exec(
              "UPDATE library_items SET status = 'ready', playable = 1, progress = 100, eta_s = NULL, error = '', "
              "hls = ?, dash = ?, poster = CASE WHEN poster = '' OR poster = 'poster.jpg' THEN ? ELSE poster END, "
              "sprite_vtt = ?, updated_at = ? WHERE id = ?",
              {stream_path(kPublishedMaster), stream_path(kPublishedMpd), std::string(r.poster ? "poster.jpg" : ""),
               r.sprite_vtt, now_s(), job.item_id});
          if (!i) return i.error();
          return {};
        });
        if (!s) {
          self->fail_job(job.id, job.item_id, job.owner_id, s.error().message);
          self->end_job(pid);
          return;
        }
        g_message("library: %s is ready (%.1f s)", job.item_id.c_str(), (g_get_monotonic_time() - job.started_us) / 1e6);
        const std::string base = "/media/vod/" + job.item_id + "/";
        if (!job.playable) {
          self->publish(kEventLibraryReady, job.item_id, job.owner_id,
                        {{"hls", base + stream_path(kPublishedMaster)}, {"dash", base + stream_path(kPublishedMpd)}});
          self->publish("library.playable", job.item_id, job.owner_id, {});
        }
        self->publish(kEventLibraryProgress, job.item_id, job.owner_id,
                      {{"status", "ready"}, {"progress", "100"}, {"eta_s", ""}});
        const std::string item = job.item_id;
        self->end_job(pid);
        // Subtitles that arrived while it was finishing.
        if (subtitle_renditions(self->subtitle_tracks(item)) != subtitles) self->republish(item);
      });
}

void JobRunner::end_job(const std::string& pid) {
  running_.erase(pid);
  take_queued();
}

void JobRunner::republish(const std::string& item_id) {
  if (deleted_.count(item_id)) return;
  auto rows = host_.db().query("SELECT playable, status FROM library_items WHERE id = ?", {item_id});
  if (!rows || rows->empty() || !rows->front().integer("playable")) return;  // written once it plays
  if (auto it = running_.find(job_pipeline_id(item_id)); it != running_.end() && it->second.finishing) return;
  const bool final = rows->front().text("status") == "ready";
  const auto subtitles = subtitle_renditions(subtitle_tracks(item_id));
  run_in_worker<Status>([dir = item_dir(item_id), subtitles, final] { return publish_manifests(dir, subtitles, final); },
                        [item_id](Status s) {
                          if (!s) g_warning("library: manifests of %s: %s", item_id.c_str(), s.error().message.c_str());
                        });
}

void JobRunner::subtitles_changed(const std::string& item_id) {
  auto rows = host_.db().query("SELECT duration_s FROM library_items WHERE id = ?", {item_id});
  if (!rows || rows->empty()) return;
  const double duration = rows->front().real("duration_s");
  std::map<int64_t, SubtitleTrack> convert;
  std::vector<int64_t> ids;
  for (auto& t : subtitle_tracks(item_id))
    if (t.source != "embedded" && !is_vtt(t.output)) {
      ids.push_back(t.id);
      convert[t.id] = t;
    }
  make_subtitles(item_id, ids, [convert, duration](const std::string& dir, int64_t id) {
    return convert_subtitle_file(dir, convert.at(id), duration);
  });
}

void JobRunner::fail_job(int64_t job_id, const std::string& item_id, int64_t owner_id, const std::string& error) {
  g_warning("library: job %lld for %s failed: %s", static_cast<long long>(job_id), item_id.c_str(), error.c_str());
  (void)host_.db().exec("UPDATE library_jobs SET state = 'failed', error = ?, eta_s = NULL, finished_at = ?, "
                        "updated_at = ? WHERE id = ?",
                        {error, now_s(), now_s(), job_id});
  (void)host_.db().exec("UPDATE library_items SET status = 'failed', error = ?, eta_s = NULL, playable = 0, hls = '', "
                        "dash = '', updated_at = ? WHERE id = ?",
                        {error, now_s(), item_id});
  publish(kEventLibraryFailed, item_id, owner_id, {{"error", error}});
}

void JobRunner::discard_outputs(const std::string& item_id, std::function<void()> then) {
  // What a failed or cancelled run packaged is of no use, and takes room (a disk that filled
  // up): removed before the next job starts.
  if (deleted_.count(item_id)) {
    if (then) then();
    return;
  }
  std::weak_ptr<JobRunner> weak = weak_from_this();
  run_in_worker([dir = item_dir(item_id)] { remove_tree(dir + "/" + kVodStreamDir); remove_tree(dir + "/sprites"); },
                [weak, then] {
                  if (weak.lock() && then) then();
                });
}

Status JobRunner::cancel(const std::string& item_id) {
  const std::string pid = job_pipeline_id(item_id);
  if (auto it = running_.find(pid); it != running_.end()) {
    if (it->second.finishing) return Error{"the transcode is finishing", 409};
    it->second.cancelling = true;
    if (it->second.subtitles_running) (void)host_.pipelines().stop(subtitles_pipeline_id(item_id));
    return host_.pipelines().stop(pid);
  }
  // Queued (a job being prepared is queued too: it will not start).
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
