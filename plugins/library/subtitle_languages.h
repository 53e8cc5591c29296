// The languages of a Matroska or MP4 file's subtitle tracks, read from its demuxer. GstDiscoverer
// does not wait for sparse subtitle streams, so their tags (the language) may not have reached it
// when it answers: a German track would then sometimes come out unnamed. Blocking (a worker
// thread), bounded by timeout_ms; demuxing only, nothing decoded.
#pragma once

#include <string>
#include <vector>

namespace kek::library {

// One entry per subtitle track in the file's order ("" when untagged or not seen in time);
// `container` is the probe's name ("matroska", "webm", "mp4", "mov"); others give {}.
std::vector<std::string> read_subtitle_languages(const std::string& path, const std::string& container,
                                                 size_t tracks, int timeout_ms);

}  // namespace kek::library
