#include "transcode_settings.h"

namespace kek::library {

Result<TranscodeSettings> read_transcode_settings(const Args& args) {
  TranscodeSettings s;
  std::string ladder = format_vod_ladder(s.ladder);
  if (auto st = first_failure({args.read("transcode_jobs", s.jobs, 1, 16), args.read("ladder", ladder)}); !st)
    return st.error();
  auto rungs = parse_vod_ladder(ladder);
  if (!rungs) return args.fail("ladder", rungs.error().message);
  s.ladder = *rungs;
  if (auto st = first_failure({args.read("segment_s", s.segment_s, 1, 30), args.read("preset", s.preset)}); !st)
    return st.error();
  static const char* kPresets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                   "medium",    "slow",      "slower",   "veryslow"};
  bool known = false;
  for (const char* p : kPresets) known = known || s.preset == p;
  if (!known) return args.fail("preset", "must be an x264 preset (ultrafast .. veryslow)");
  if (auto st = first_failure({args.read("threads", s.threads, 0, 256), args.read("copy_rungs", s.copy)}); !st)
    return st.error();
  return s;
}

}  // namespace kek::library
