// The job runner's part of the library plugin's args (plugins: [{name: library, args: {...}}]).
#pragma once

#include "vod_abr.h"

#include <kek/args.h>

#include <string>
#include <vector>

namespace kek::library {

struct TranscodeSettings {
  int jobs = 1;                   // transcodes at once; each uses every core (threads 0)
  std::vector<VodRung> ladder = default_vod_ladder();
  int segment_s = 4;              // HLS/DASH segment length = every rung's keyframe interval
  std::string preset = "veryfast";  // x264 speed preset
  int threads = 0;                // x264 threads per encoder; 0 = as many as the CPU has
  bool copy = true;               // an H.264 source at a rung's size is copied into it
  int max_attempts = 3;           // runs of a job cut short by restarts before it is failed
};

Result<TranscodeSettings> read_transcode_settings(const Args& args);

}  // namespace kek::library
