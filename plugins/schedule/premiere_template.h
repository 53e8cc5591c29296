// The "premiere" pipeline template: a library film's existing renditions played in real time
// into live packaging (kekpremieresrc as the source of a live layout; the ladder is the film's
// renditions, repackaged, never encoded again), written where live streams are:
// media/live/premiere-<event id>/ (index.m3u8 and whatever else the listed outputs write).
#pragma once

#include <kek/pipelines.h>

#include <string>
#include <vector>

namespace kek::schedule {

inline constexpr const char* kPremiereTemplate = "premiere";

struct PremiereRendition {
  std::string name;  // its folder in the film's packaged folder ("720p")
  int bitrate_kbps = 0;
};

// What the template needs to know of the film, as the pipeline's variables.
struct PremiereSource {
  std::string event_id;
  std::string film_dir;      // absolute: the folder whose subfolders are the renditions
  std::vector<PremiereRendition> renditions;  // top first
  std::string audio;         // the audio rendition's folder, "" for none
  int64_t origin_us = 0;     // wall clock of film position 0: the premiere's start
};

// The stream name and the pipeline id of an event's premiere: "premiere-<id>".
std::string premiere_stream(const std::string& event_id);
Vars premiere_vars(const PremiereSource& source);
// outputs: what the layout lists ("hls", "dash"...); segment_s and window as live layouts take them.
PipelineTemplate premiere_template(const std::vector<std::string>& outputs, int segment_s, int window);

// From a film's packaged HLS master playlist: the audio rendition's folder (the DEFAULT=YES
// EXT-X-MEDIA of TYPE=AUDIO, else the first), "" when there is none.
std::string default_audio_folder(const std::string& master_playlist);

}  // namespace kek::schedule
