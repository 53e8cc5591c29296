// The structured live template (source + ladder + outputs) turned into one gst-launch line:
// decode once, scale once per rung, encode each rung with keyframes aligned to the segment
// length, one AAC stream shared by every variant, and tees that the outputs link from. Each
// output's branch is its owner's (kek/live_outputs.h, LiveOutputRegistry): this file names no
// output's element.
#pragma once

#include "config/live_outputs.h"

#include <kek/error.h>
#include <kek/pipelines.h>

#include <functional>
#include <string>
#include <vector>

namespace kek::core {

struct LiveLine {
  std::string launch;                    // still holds the layout's own ${variables}
  std::vector<std::string> directories;  // the outputs' folders (${variables} too)
  std::vector<const LiveOutput*> outputs;  // those in this line, in registration order
  LiveLayoutContext context;             // what they were given
};

// lookup(name) gives a variable's value or "" when unset. The line still holds the layout's own
// ${variables} (source, folders), expanded afterwards like any template. An output the layout
// lists that nobody registered is an error naming the registered ones.
Result<LiveLine> live_layout_line(const LiveLayout& layout, const VarLookup& lookup,
                                  const LiveOutputRegistry& outputs);

// Width for a rung of the given height keeping the source's aspect ratio, even (4:2:0).
int rung_width(int height, int source_width, int source_height);

}  // namespace kek::core
