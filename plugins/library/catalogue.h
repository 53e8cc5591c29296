// The items: rows of library_items and their tracks and renditions, who may see them, their JSON
// (the Item of README.md), and the kek::Library service other plugins use.
#pragma once

#include "item_patch.h"
#include "settings.h"

#include <kek/host.h>
#include <kek/services/identity.h>
#include <kek/services/library.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kek::library {

using Viewer = std::optional<UserIdentity>;

struct NewItem {
  std::string id;  // empty: a new random one
  int64_t owner_id = 0;
  std::string owner_username;
  std::string title;
  std::string origin;  // upload | import | recording
  std::string source_path;
  std::string source_filename;
  int64_t source_size = 0;
  int64_t source_mtime = 0;
  std::string source_fingerprint;
  std::string import_folder;  // "" unless imported
  std::string import_path;    // the file in the import folder ("" unless imported)
  std::string visibility = "public";
  std::string allowed_json = "[]";
};

struct ListQuery {
  std::string q, sort = "added", order, genre, status, owner, cursor;
  int limit = 24;
};

class Catalogue : public Library {
 public:
  Catalogue(Host& host, const Settings& settings);

  // Folders: media/vod/ and one item's media/vod/<id>/.
  std::string vod_dir() const;
  std::string item_dir(const std::string& id) const;

  Result<std::string> create(NewItem item);
  Result<std::optional<DbRow>> row(const std::string& id);
  // Applies the item's visibility to media/vod/<id>/ through MediaAccess (when auth is there).
  void apply_policy(const DbRow& row);
  void apply_all_policies();

  // Who may do what with a row. may_watch: Identity::may_open (the URL is known).
  bool is_owner_or_admin(const DbRow& row, const Viewer& viewer) const;
  bool may_watch(const DbRow& row, const Viewer& viewer);
  // The viewer may see the row at all: its owner/admin, or it plays and may_watch.
  bool may_see(const DbRow& row, const Viewer& viewer);
  // The row may appear in the viewer's lists (Identity::may_view: unlisted only to its owner
  // and those it is shared with).
  bool may_list(const DbRow& row, const Viewer& viewer);
  // `allowed` as the API shows it: user names and "group:NAME".
  std::vector<std::string> allowed_names(const DbRow& row);

  // The Item JSON of README.md.
  std::string item_json(const DbRow& row, const Viewer& viewer);
  void write_item(JsonWriter& w, const DbRow& row, const Viewer& viewer);
  // {items, next_cursor}
  Result<std::string> list_json(const ListQuery& query, const Viewer& viewer);

  // PATCH: title, description, year, genres, visibility, allowed.
  Status update_metadata(const std::string& id, const ItemPatch& patch);
  Status set_status(const std::string& id, const std::string& status, const std::string& error);
  // Deletes rows and the policy at once, then the files on a worker thread; `done` runs on the
  // main loop once they are gone. Publishes library.deleted.
  // keep_out_of_scans: an imported file whose item was deleted is not added again by the scans.
  void remove(const std::string& id, std::function<void(Status)> done, bool keep_out_of_scans = true);

  // Bytes of uploaded originals a user owns (for the quota).
  Result<int64_t> uploaded_bytes(int64_t user_id);

  // The search index over title, description and genres (nullptr without one).
  void set_index_updater(std::function<void(const std::string& id)> update, std::function<void(const std::string&)> drop);
  void reindex(const std::string& id);

  Identity* identity() const { return host_.services().get<Identity>(); }

  // kek::Library
  Result<std::optional<LibraryItemInfo>> item(const std::string& id) override;
  Result<std::vector<LibraryItemInfo>> items(const std::vector<std::string>& ids) override;

  Host& host() const { return host_; }
  const Settings& settings() const { return settings_; }

 private:
  LibraryItemInfo info_of(const DbRow& row);
  std::string media_url(const std::string& id, const std::string& relative) const;

  Host& host_;
  const Settings& settings_;
  std::function<void(const std::string&)> index_update_;
  std::function<void(const std::string&)> index_drop_;
};

int64_t unix_now();
std::string json_array_of(const std::vector<std::string>& values);
std::vector<std::string> strings_of_json_array(const std::string& text);

}  // namespace kek::library
