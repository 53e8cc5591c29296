// Live recordings become library items (recording.finished from the rtmp plugin): owned by the
// streamer, with the stream key's visibility, read in place from the recordings folder.
#pragma once

#include "catalogue.h"

#include <functional>

namespace kek::library {

void import_recordings(Catalogue& catalogue, std::function<void(const std::string& item_id)> probe);

}  // namespace kek::library
