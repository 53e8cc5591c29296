#include "events_bridge.h"

#include <kek/browser_events.h>

namespace kek::library {
namespace {

void write_number_or_null(JsonWriter& w, const char* key, const std::string& text) {
  w.key(key);
  if (text.empty()) w.null();
  else w.value(g_ascii_strtod(text.c_str(), nullptr));
}

}  // namespace

void forward_events_to_browsers(Catalogue& catalogue) {
  catalogue.host().events().subscribe("library.*", [&catalogue](const Event& e) {
    auto* browsers = catalogue.host().services().get<BrowserEvents>();
    if (!browsers) return;
    const std::string id = e.get("id");
    if (id.empty()) return;
    JsonWriter w;
    w.begin_object().member("id", id);
    bool owner_only = false;
    if (e.name == "library.progress") {
      w.member("status", e.get("status"));
      write_number_or_null(w, "progress", e.get("progress"));
      write_number_or_null(w, "eta_s", e.get("eta_s"));
    } else if (e.name == "library.ready") {
      w.member("hls", e.get("hls")).member("dash", e.get("dash"));
    } else if (e.name == "library.failed") {
      w.member("error", e.get("error"));
      owner_only = true;
    } else if (e.name == "library.queued") {
      w.member("status", "queued");
      owner_only = true;
    } else if (e.name != "library.deleted") {
      return;
    }
    w.end_object();
    BrowserAudience audience;
    audience.user_id = g_ascii_strtoll(e.get("owner_id").c_str(), nullptr, 10);
    if (!owner_only) {
      bool plays = e.name == "library.ready" || e.name == "library.deleted";
      if (!plays)
        if (auto row = catalogue.row(id); row && *row)
          plays = (*row)->text("status") == "ready" || (*row)->integer("playable") != 0;
      if (plays) audience.media_prefix = "vod/" + id + "/";
    }
    const std::string name = e.name == "library.queued" ? "library.progress" : e.name;
    browsers->publish({name, w.str(), std::move(audience)});
  });
}

}  // namespace kek::library
