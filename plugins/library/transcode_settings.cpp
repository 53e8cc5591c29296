#include "transcode_settings.h"

namespace kek::library {

Result<TranscodeSettings> read_transcode_settings(const Args& args) {
  TranscodeSettings s;
  auto jobs = args.integer("transcode_jobs", s.jobs, 1, 16);
  if (!jobs) return jobs.error();
  s.jobs = static_cast<int>(*jobs);
  auto ladder = args.string("ladder", format_vod_ladder(s.ladder));
  if (!ladder) return ladder.error();
  auto rungs = parse_vod_ladder(*ladder);
  if (!rungs) return args.fail("ladder", rungs.error().message);
  s.ladder = *rungs;
  auto segment = args.integer("segment_s", s.segment_s, 1, 30);
  if (!segment) return segment.error();
  s.segment_s = static_cast<int>(*segment);
  auto preset = args.string("preset", s.preset);
  if (!preset) return preset.error();
  static const char* kPresets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                   "medium",    "slow",      "slower",   "veryslow"};
  bool known = false;
  for (const char* p : kPresets) known = known || *preset == p;
  if (!known) return args.fail("preset", "must be an x264 preset (ultrafast .. veryslow)");
  s.preset = *preset;
  auto threads = args.integer("threads", s.threads, 0, 256);
  if (!threads) return threads.error();
  s.threads = static_cast<int>(*threads);
  auto copy = args.boolean("copy_rungs", s.copy);
  if (!copy) return copy.error();
  s.copy = *copy;
  return s;
}

}  // namespace kek::library
