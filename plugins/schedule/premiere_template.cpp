#include "premiere_template.h"

#include <kek/media/rendition_settings.h>

#include <cstdlib>

namespace kek::schedule {

std::string premiere_stream(const std::string& event_id) { return "premiere-" + event_id; }

Vars premiere_vars(const PremiereSource& s) {
  std::vector<std::string> names, kbps;
  for (const auto& r : s.renditions) {
    names.push_back(r.name);
    kbps.push_back(std::to_string(r.bitrate_kbps));
  }
  return {{"app", "live"},
          {"stream", premiere_stream(s.event_id)},
          {"event", s.event_id},
          {"film_dir", s.film_dir},
          {"renditions", media::join_list(names)},
          {"rendition_kbps", media::join_list(kbps)},
          {"audio", s.audio},
          {"origin_us", std::to_string(s.origin_us)},
          {"has_video", s.renditions.empty() ? "false" : "true"},
          {"has_audio", s.audio.empty() ? "false" : "true"}};
}

PipelineTemplate premiere_template(const std::vector<std::string>& outputs, int segment_s, int window) {
  PipelineTemplate t;
  t.name = kPremiereTemplate;
  t.description = "A library film's renditions played live at its premiere time (repackaged, no encode)";
  t.origin = "plugin:schedule";
  t.defaults = {{"segment_s", std::to_string(segment_s)}, {"window", std::to_string(window)}, {"audio", ""},
                {"renditions", ""}, {"rendition_kbps", ""}, {"origin_us", "0"}};
  LiveLayout layout;
  layout.source =
      "kekpremieresrc location=\"${film_dir}\" renditions=\"${renditions}\" audio=\"${audio}\" origin=${origin_us} name=demux";
  layout.outputs = outputs;
  layout.ladder_for = [](const VarLookup& lookup) -> Result<std::vector<LadderRung>> {
    const auto names = media::split_list(lookup("renditions"));
    const auto kbps = media::split_list(lookup("rendition_kbps"));
    std::vector<LadderRung> rungs;
    for (size_t i = 0; i < names.size(); ++i) {
      LadderRung r;
      r.name = names[i];
      r.bitrate_kbps = i < kbps.size() ? std::atoi(kbps[i].c_str()) : 0;
      r.pad = "video_" + std::to_string(i);
      rungs.push_back(std::move(r));
    }
    if (rungs.empty() && lookup("has_video") != "false") return Error{"the film has no video rendition", 422};
    return rungs;
  };
  t.layout = std::move(layout);
  return t;
}

std::string default_audio_folder(const std::string& master) {
  std::string first, chosen;
  size_t pos = 0;
  while ((pos = master.find("#EXT-X-MEDIA:", pos)) != std::string::npos) {
    size_t eol = master.find('\n', pos);
    std::string line = master.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? master.size() : eol;
    if (line.find("TYPE=AUDIO") == std::string::npos) continue;
    size_t u = line.find("URI=\"");
    if (u == std::string::npos) continue;
    size_t end = line.find('"', u + 5);
    if (end == std::string::npos) continue;
    std::string uri = line.substr(u + 5, end - u - 5);
    std::string folder = uri.substr(0, uri.find('/'));
    if (folder.empty() || folder == uri || folder == "." || folder == "..") continue;
    if (first.empty()) first = folder;
    if (chosen.empty() && line.find("DEFAULT=YES") != std::string::npos) chosen = folder;
  }
  return chosen.empty() ? first : chosen;
}

}  // namespace kek::schedule
