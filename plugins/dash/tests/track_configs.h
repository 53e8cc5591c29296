// Track configurations (what caps would say) for the unit tests of the manifest and playlist
// builders.
#pragma once

#include "presentation.h"

#include <memory>

namespace kek::dash::test {

inline std::shared_ptr<const TrackConfig> video_config(int w, int h, int fps = 30) {
  auto c = std::make_shared<TrackConfig>();
  c->codec = "avc1.64001f";
  c->width = w;
  c->height = h;
  c->fps_num = fps;
  return c;
}

inline std::shared_ptr<const TrackConfig> audio_config() {
  auto c = std::make_shared<TrackConfig>();
  c->codec = "mp4a.40.2";
  c->rate = 48000;
  c->channels = 2;
  return c;
}

}  // namespace kek::dash::test
