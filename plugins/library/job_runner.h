// The transcode job queue of the library plugin: takes queued rows of library_jobs in order,
// runs the vod-abr template for each through the host's pipeline manager, follows its position
// for progress and ETA, notices when the master playlist first plays (progressive), and ends the
// job done, failed (with the pipeline's reason) or cancelled, mirroring it onto the item and
// publishing library.progress / library.ready / library.failed. The queue is the table, so it
// survives restarts: a row still `running` at start-up was interrupted and runs again.
// Main thread only, like the database and the pipeline manager.
#pragma once

#include "transcode_settings.h"
#include "vod_abr.h"

#include <kek/host.h>

#include <map>
#include <string>
#include <vector>

namespace kek::library {

// Event names the runner publishes (fields: id, owner_id, media_prefix, and below).
inline constexpr const char* kEventLibraryProgress = "library.progress";  // status, progress, eta_s
inline constexpr const char* kEventLibraryReady = "library.ready";        // hls, dash
inline constexpr const char* kEventLibraryFailed = "library.failed";      // error

// The pipeline instance of an item's transcode.
std::string job_pipeline_id(const std::string& item_id);
// The item's published manifests in its stream folder: the packager's with the subtitles added.
inline constexpr const char* kPublishedMaster = "master.m3u8";
inline constexpr const char* kPublishedMpd = "manifest.mpd";
// "stream/<file>": a path relative to the item folder, as the item's hls/dash columns hold them.
std::string stream_path(const std::string& file);
// Seconds between seek-preview tiles: 1 s for short clips, at most 10 s.
int sprite_interval_s(double duration_s);
// The WebVTT index of the sprite sheets kekspritesheet wrote (tile n: sheet n / (c*r)).
std::string sprite_vtt(double duration_s, int interval_s, int tile_w, int tile_h, int columns, int rows, int sheets);

class JobRunner {
 public:
  JobRunner(Host& host, TranscodeSettings settings);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Puts interrupted jobs back in the queue, registers nothing else; then polls the queue.
  Status start();
  void stop();

  // The item's queued or running job ends as cancelled (its pipeline stopped); 404/409 if none.
  Status cancel(const std::string& item_id);
  // The item's failed or cancelled job is queued again from the start; 409 if there is none.
  Status retry(const std::string& item_id);
  // Jobs running now (for tests and /api/health-like views).
  size_t running() const { return running_.size(); }

 private:
  struct Job {
    int64_t id = 0;
    std::string item_id;
    int64_t owner_id = 0;
    std::string out_dir;      // media/vod/<id>
    double duration_s = 0;
    int width = 0, height = 0;
    int64_t started_us = 0;   // monotonic
    std::vector<PlannedRung> rungs;
    bool has_audio = false;
    bool playable = false;
    bool cancelling = false;
    double progress = 0;
  };

  void tick();
  void take_queued();
  Status launch(int64_t job_id, const std::string& item_id);
  void on_pipeline_state(const Event& e);
  void report_progress(Job& job);
  bool check_playable(Job& job);
  // Writes the item's master (and at the end its MPD) from the packager's; false if it is missing.
  bool publish_manifests(const Job& job, bool final);
  static std::string media_url(const Job& job, const char* file) {
    return "/media/vod/" + job.item_id + "/" + stream_path(file);
  }
  void finish(Job& job);
  void fail(Job& job, const std::string& error);
  std::string write_sprite_index(const Job& job);
  void fail_job(int64_t job_id, const std::string& item_id, int64_t owner_id, const std::string& error);
  void publish(const char* name, const std::string& item_id, int64_t owner_id,
               std::map<std::string, std::string> fields);

  Host& host_;
  TranscodeSettings settings_;
  std::map<std::string, Job> running_;  // by pipeline id
  uint64_t subscription_ = 0;
  unsigned timer_ = 0;
};

}  // namespace kek::library
