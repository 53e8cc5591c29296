#include "recordings.h"

#include <glib/gstdio.h>

namespace kek::library {
namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) out.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

void import_recordings(Catalogue& catalogue, std::function<void(const std::string&)> probe) {
  catalogue.host().events().subscribe(kEventRecordingFinished, [&catalogue, probe](const Event& e) {
    const std::string path = e.get("path");
    if (path.empty()) return;
    // One item per recording file, even if the event comes twice.
    if (auto known = catalogue.host().db().query("SELECT id FROM library_items WHERE source_path = ?", {path});
        !known || !known->empty())
      return;
    NewItem item;
    item.origin = "recording";
    item.source_path = path;
    g_autofree char* base = g_path_get_basename(path.c_str());
    item.source_filename = base;
    GStatBuf st;
    if (g_stat(path.c_str(), &st) == 0) {
      item.source_size = st.st_size;
      item.source_mtime = st.st_mtime;
    }
    item.owner_username = e.get("owner");
    item.owner_id = g_ascii_strtoll(e.get("owner_id").c_str(), nullptr, 10);
    if (item.owner_id == 0 && !item.owner_username.empty())
      if (auto* ident = catalogue.identity())
        if (auto u = ident->find_user(item.owner_username); u && *u) item.owner_id = (*u)->id;
    const std::string visibility = e.get("visibility");
    item.visibility = visibility == "private" || visibility == "unlisted" ? visibility : "public";
    std::vector<std::string> allowed;
    for (const auto& id : split_commas(e.get("allowed_user_ids"))) allowed.push_back("user:" + id);
    for (const auto& g : split_commas(e.get("allowed_groups"))) allowed.push_back("group:" + g);
    item.allowed_json = json_array_of(allowed);
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char* when = g_date_time_format(now, "%Y-%m-%d %H:%M");
    item.title = e.get("stream") + " · " + when;
    auto created = catalogue.create(std::move(item));
    if (!created) {
      g_warning("library: recording %s: %s", path.c_str(), created.error().message.c_str());
      return;
    }
    g_message("library: recording %s of stream '%s' is item %s", path.c_str(), e.get("stream").c_str(), created->c_str());
    probe(*created);
  });
}

}  // namespace kek::library
