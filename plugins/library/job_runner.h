// The transcode job queue of the library plugin: takes queued rows of library_jobs in order,
// runs the vod-abr template for each through the host's pipeline manager (and vod-subtitles for
// a film's text subtitle tracks), follows its position for progress and ETA, notices when the
// ladder first plays (progressive), and ends the job done, failed (with the pipeline's reason)
// or cancelled, mirroring it onto the item and publishing library.progress / library.ready /
// library.failed. The queue is the table, so it survives restarts: a row still `running` at
// start-up was interrupted and runs again.
//
// The database and the pipelines on the main thread; every file it reads or writes through
// job_files.h on a worker thread, its result back on the main loop.
#pragma once

#include "job_files.h"
#include "transcode_settings.h"
#include "vod_abr.h"

#include <kek/host.h>
#include <kek/metrics.h>
#include <kek/services/library.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace kek::library {

// Event names the runner publishes (fields: id, owner_id, media_prefix, and below).
inline constexpr const char* kEventLibraryProgress = "library.progress";  // status, progress, eta_s
inline constexpr const char* kEventLibraryReady = "library.ready";        // hls, dash
inline constexpr const char* kEventLibraryFailed = "library.failed";      // error
// Events the runner listens to: the ingest side queued a job (id, owner_id); a subtitle file
// was uploaded for an item (id, track).
inline constexpr const char* kEventLibraryQueued = "library.queued";
inline constexpr const char* kEventLibrarySubtitles = "library.subtitles";

// The pipeline instances of an item's transcode and of its subtitle extraction.
std::string job_pipeline_id(const std::string& item_id);
std::string subtitles_pipeline_id(const std::string& item_id);
// The item's published manifests in its stream folder: the packager's with the subtitles added.
inline constexpr const char* kPublishedMaster = "master.m3u8";
inline constexpr const char* kPublishedMpd = "manifest.mpd";
// "stream/<file>": a path relative to the item folder, as the item's hls/dash columns hold them.
std::string stream_path(const std::string& file);
// Seconds between seek-preview tiles: 1 s for short clips, at most 10 s.
int sprite_interval_s(double duration_s);
// The WebVTT index of the sprite sheets kekspritesheet wrote (tile n: sheet n / (c*r)).
std::string sprite_vtt(double duration_s, int interval_s, int tile_w, int tile_h, int columns, int rows, int sheets);

class JobRunner : public std::enable_shared_from_this<JobRunner> {
 public:
  JobRunner(Host& host, TranscodeSettings settings);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Puts interrupted jobs back in the queue, listens to the pipelines and the ingest side's
  // events, then takes queued jobs (and looks again every second).
  Status start();
  void stop();

  // The item's queued or running job ends as cancelled (its pipeline stopped); 409 if none.
  Status cancel(const std::string& item_id);
  // The item's failed or cancelled job is queued again from the start; 409 if there is none.
  Status retry(const std::string& item_id);
  // A subtitle track of the item was added or changed: converted and added to its manifests.
  void subtitles_changed(const std::string& item_id);
  // Jobs being prepared, running or finishing now.
  size_t active() const { return running_.size() + preparing_.size(); }
  // kek_library_jobs by state and each running job's progress (job_metrics.cpp).
  void write_metrics(kek::MetricsWriter& w);

 private:
  struct Job {
    int64_t id = 0;
    std::string item_id;
    int64_t owner_id = 0;
    std::string item_dir;     // media/vod/<id>
    double duration_s = 0;
    int width = 0, height = 0;
    bool has_video = true;
    int64_t started_us = 0;   // monotonic
    std::vector<PlannedRung> rungs;
    std::vector<std::string> renditions;  // what must list a segment before it plays
    bool playable = false;
    bool checking = false;    // a worker is looking at its folder
    bool cancelling = false;
    bool finishing = false;
    bool subtitles_running = false;
    double progress = 0;
  };

  void tick();
  void take_queued();
  void prepare(int64_t job_id, const std::string& item_id);
  void launch(int64_t job_id, const std::string& item_id, const PrepareResult& prepared);
  void on_pipeline_state(const Event& e);
  void on_subtitles_state(const std::string& item_id, const std::string& state, const std::string& error);
  void report_progress(Job& job);
  void check_playable(const std::string& pid);
  void finish(const std::string& pid);
  void end_job(const std::string& pid);
  void fail_job(int64_t job_id, const std::string& item_id, int64_t owner_id, const std::string& error);
  void discard_outputs(const std::string& item_id, std::function<void()> then);
  void publish(const char* name, const std::string& item_id, int64_t owner_id,
               std::map<std::string, std::string> fields);
  // The item's subtitle tracks, as the tables say.
  std::vector<SubtitleTrack> subtitle_tracks(const std::string& item_id);
  // Makes the WebVTT renditions of these tracks on a worker, records them, republishes.
  void make_subtitles(const std::string& item_id, std::vector<int64_t> ids,
                      std::function<Result<std::string>(const std::string& dir, int64_t id)> make);
  // Writes the item's manifests again with its subtitles (once it plays).
  void republish(const std::string& item_id);
  std::string item_dir(const std::string& item_id) const { return host_.media_dir() + "/vod/" + item_id; }

  Host& host_;
  TranscodeSettings settings_;
  std::map<std::string, Job> running_;  // by pipeline id
  std::set<int64_t> preparing_;         // job ids whose folder a worker is preparing
  std::set<std::string> deleted_;       // items deleted since the start: their folders are going
  std::vector<uint64_t> subscriptions_;
  unsigned timer_ = 0;
};

}  // namespace kek::library
