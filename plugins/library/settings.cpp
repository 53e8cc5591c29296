#include "settings.h"

#include <glib.h>

namespace kek::library {
namespace {

Result<std::vector<ImportFolder>> read_folders(const Args& args) {
  std::vector<ImportFolder> out;
  JsonNode* node = args.node("folders");
  if (!node || JSON_NODE_HOLDS_NULL(node)) return out;
  if (!JSON_NODE_HOLDS_ARRAY(node)) return args.fail("folders", "must be a list of {path, owner, copy}");
  JsonArray* list = json_node_get_array(node);
  for (guint i = 0; i < json_array_get_length(list); ++i) {
    const std::string where = "folders[" + std::to_string(i) + "]";
    JsonNode* e = json_array_get_element(list, i);
    if (!JSON_NODE_HOLDS_OBJECT(e)) return args.fail("folders", where + " must be {path, owner, copy}");
    JsonObject* o = json_node_get_object(e);
    ImportFolder f;
    g_autoptr(GList) members = json_object_get_members(o);
    for (GList* l = members; l; l = l->next) {
      const std::string key = static_cast<const char*>(l->data);
      JsonNode* v = json_object_get_member(o, key.c_str());
      const bool is_string = JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING;
      if (key == "path" && is_string) {
        f.path = json_node_get_string(v);
      } else if (key == "owner" && is_string) {
        f.owner = json_node_get_string(v);
      } else if (key == "copy" && JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_BOOLEAN) {
        f.copy = json_node_get_boolean(v);
      } else if (key == "path" || key == "owner" || key == "copy") {
        return args.fail("folders", where + "." + key + (key == "copy" ? " must be true or false" : " must be a string"));
      } else {
        return args.fail("folders", where + "." + key + ": unknown key (path, owner, copy)");
      }
    }
    if (f.path.empty()) return args.fail("folders", where + ".path is required");
    if (!g_path_is_absolute(f.path.c_str())) {
      g_autofree char* cwd = g_get_current_dir();
      g_autofree char* abs = g_build_filename(cwd, f.path.c_str(), nullptr);
      f.path = abs;
    }
    g_autofree char* canonical = g_canonicalize_filename(f.path.c_str(), nullptr);
    f.path = canonical;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Result<Settings> read_settings(const Args& args) {
  Settings s;
  std::string uploaders = "users";
  if (auto st = first_failure({args.read("max_file_bytes", s.max_file_bytes, 1, INT64_MAX),
                               args.read("quota_bytes", s.quota_bytes, 0, INT64_MAX),
                               args.read("upload_expiry_s", s.upload_expiry_s, 1, int64_t{365} * 24 * 3600),
                               args.read("uploaders", uploaders)});
      !st)
    return st.error();
  if (uploaders == "users") {
    s.uploaders.kind = UploaderRule::Kind::users;
  } else if (uploaders == "admins") {
    s.uploaders.kind = UploaderRule::Kind::admins;
  } else if (uploaders.starts_with("group:") && uploaders.size() > 6) {
    s.uploaders.kind = UploaderRule::Kind::group;
    s.uploaders.group = uploaders.substr(6);
  } else {
    return args.fail("uploaders", "must be \"users\", \"admins\" or \"group:<name>\"");
  }

  auto folders = read_folders(args);
  if (!folders) return folders.error();
  s.folders = std::move(*folders);
  if (auto st = first_failure({args.read("scan_interval_s", s.scan_interval_s, 0, int64_t{7} * 24 * 3600),
                               args.read("watch_folders", s.watch_folders),
                               args.read("probe_timeout_s", s.probe_timeout_s, 1, 3600),
                               args.read("default_visibility", s.default_visibility)});
      !st)
    return st.error();
  if (s.default_visibility != "public" && s.default_visibility != "unlisted" && s.default_visibility != "private")
    return args.fail("default_visibility", "must be public, unlisted or private");
  if (auto st = first_failure({args.read("import_recordings", s.import_recordings), args.no_unknown_keys()}); !st)
    return st.error();
  return s;
}

}  // namespace kek::library
