// The structured live template (source + ladder + outputs) turned into one gst-launch line:
// decode once, scale once per rung, encode each rung with keyframes aligned to the segment
// length, one AAC stream shared by every variant, and the outputs fed from tees.
#pragma once

#include <kek/error.h>
#include <kek/pipelines.h>

#include <functional>
#include <string>
#include <vector>

namespace kek::core {

// lookup(name) gives a variable's value or "" when unset. The result still holds the
// layout's own ${variables} (source, folders), expanded afterwards like any template.
Result<std::string> live_layout_launch(const LiveLayout& layout,
                                       const std::function<std::string(const std::string&)>& lookup);

// Folders the layout writes into (still with ${variables}): created before each start.
std::vector<std::string> live_layout_directories(const LiveLayout& layout,
                                                 const std::function<std::string(const std::string&)>& lookup);

// Width for a rung of the given height keeping the source's aspect ratio, even (4:2:0).
int rung_width(int height, int source_width, int source_height);

}  // namespace kek::core
