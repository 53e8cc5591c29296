// Writes a DASH stream with kekdashsink for the dash.js check (dashjs_play.mjs):
//   dash-fixture DIR finished   6 s with B-frames, as fast as possible, ends with the static MPD
//   dash-fixture DIR seam       10 s with a stream seam at 5 s (two Periods)
//   dash-fixture DIR live N     N s in real time, the MPD dynamic until the end
// Prints "done" and exits 0 at EOS; the error and 1 otherwise.
#include "dash_pipelines.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DIR finished|seam|live SECONDS\n", argv[0]);
    return 2;
  }
  kek::dash::test::Media m;
  m.dir = argv[1];
  m.bframes = 2;
  m.extra = "window=30";
  if (std::strcmp(argv[2], "seam") == 0) {
    m.seconds = 10;
    m.seam_at_s = 5;
  } else if (std::strcmp(argv[2], "live") == 0) {
    m.live = true;
    m.seconds = argc > 3 ? std::atoi(argv[3]) : 20;
    m.extra = "window=6";
  }
  auto r = kek::dash::test::run(m, m.seconds + 60);
  if (!r.ok) {
    std::fprintf(stderr, "%s\n", r.error.c_str());
    return 1;
  }
  std::printf("done\n");
  return 0;
}
