#include "catalogue.h"

#include "ids.h"

#include <kek/worker.h>

#include <kek/services/media_access.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace kek::library {
namespace {

constexpr const char* kItemColumns = "*";

void remove_tree(const std::string& path) {
  GStatBuf info;
  if (g_lstat(path.c_str(), &info) != 0) return;
  if (S_ISDIR(info.st_mode)) {
    g_autoptr(GDir) dir = g_dir_open(path.c_str(), 0, nullptr);
    while (const char* name = dir ? g_dir_read_name(dir) : nullptr) remove_tree(path + "/" + name);
    g_rmdir(path.c_str());
  } else {
    g_unlink(path.c_str());
  }
}

Visibility visibility_of(const std::string& text) {
  if (text == "private") return Visibility::private_;
  if (text == "unlisted") return Visibility::unlisted;
  return Visibility::public_;
}

bool plays(const DbRow& row) { return row.text("status") == "ready" || row.integer("playable") != 0; }

// Cursor: "<sort value>|<id>" in URL-safe base64; opaque to clients.
std::string encode_cursor(const std::string& value, const std::string& id) {
  const std::string raw = value + "\x1f" + id;
  g_autofree char* b64 = g_base64_encode(reinterpret_cast<const guchar*>(raw.data()), raw.size());
  std::string out = b64;
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::pair<std::string, std::string>> decode_cursor(std::string text) {
  for (char& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  gsize len = 0;
  g_autofree guchar* raw = g_base64_decode(text.c_str(), &len);
  if (!raw) return std::nullopt;
  std::string s(reinterpret_cast<const char*>(raw), len);
  size_t sep = s.find('\x1f');
  if (sep == std::string::npos) return std::nullopt;
  return std::make_pair(s.substr(0, sep), s.substr(sep + 1));
}

std::string format_real(double v) {
  char buf[64];
  g_ascii_formatd(buf, sizeof buf, "%.6f", v);
  return buf;
}

}  // namespace

int64_t unix_now() { return g_get_real_time() / G_USEC_PER_SEC; }

std::string json_array_of(const std::vector<std::string>& values) {
  JsonWriter w;
  w.begin_array();
  for (const auto& v : values) w.value(v);
  w.end_array();
  return w.str();
}

std::vector<std::string> strings_of_json_array(const std::string& text) {
  std::vector<std::string> out;
  auto doc = JsonDoc::parse(text.empty() ? "[]" : text);
  if (!doc || !JSON_NODE_HOLDS_ARRAY(doc->root())) return out;
  JsonArray* a = json_node_get_array(doc->root());
  for (guint i = 0; i < json_array_get_length(a); ++i) {
    JsonNode* e = json_array_get_element(a, i);
    if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING) out.emplace_back(json_node_get_string(e));
  }
  return out;
}

Catalogue::Catalogue(Host& host, const Settings& settings) : host_(host), settings_(settings) {}

std::string Catalogue::vod_dir() const { return host_.media_dir() + "/vod"; }
std::string Catalogue::item_dir(const std::string& id) const { return vod_dir() + "/" + id; }

std::string Catalogue::media_url(const std::string& id, const std::string& relative) const {
  if (relative.empty()) return "";
  return "/media/vod/" + id + "/" + relative;
}

Result<std::string> Catalogue::create(NewItem item) {
  if (item.id.empty()) item.id = random_id();
  const int64_t now = unix_now();
  if (item.title.empty()) item.title = item.source_filename.empty() ? "Untitled" : item.source_filename;
  auto r = host_.db().exec(
      "INSERT INTO library_items (id, owner_id, owner_username, title, visibility, allowed, origin, source_path,"
      " source_filename, source_size, source_mtime, source_fingerprint, import_folder, import_path, created_at,"
      " updated_at, created_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {item.id, item.owner_id, item.owner_username, item.title, item.visibility, item.allowed_json, item.origin,
       item.source_path, item.source_filename, item.source_size, item.source_mtime, item.source_fingerprint,
       item.import_folder.empty() ? DbValue{} : DbValue{item.import_folder},
       item.import_path.empty() ? DbValue{} : DbValue{item.import_path}, now, now, g_get_real_time()});
  if (!r) return wrap(r.error(), "library: add item");
  if (auto row = this->row(item.id); row && *row) apply_policy(**row);
  reindex(item.id);
  return item.id;
}

Result<std::optional<DbRow>> Catalogue::row(const std::string& id) {
  auto rows = host_.db().query(std::string("SELECT ") + kItemColumns + " FROM library_items WHERE id = ?", {id});
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<DbRow>{};
  return std::optional<DbRow>{std::move(rows->front())};
}

namespace {

MediaPolicy policy_of_row(const DbRow& row) {
  MediaPolicy policy;
  policy.visibility = visibility_of(row.text("visibility"));
  policy.owner_id = row.integer("owner_id");
  // Stored as "user:<id>" and "group:<name>" (ids survive a rename).
  for (const auto& entry : strings_of_json_array(row.text("allowed"))) {
    if (entry.rfind("user:", 0) == 0) policy.allowed_user_ids.push_back(g_ascii_strtoll(entry.c_str() + 5, nullptr, 10));
    else if (entry.rfind("group:", 0) == 0) policy.allowed_groups.push_back(entry.substr(6));
  }
  return policy;
}

}  // namespace

void Catalogue::apply_policy(const DbRow& row) {
  auto* media = host_.services().get<MediaAccess>();
  if (!media) return;
  media->set_policy("vod/" + row.text("id") + "/", policy_of_row(row));
}

void Catalogue::apply_all_policies() {
  auto rows = host_.db().query("SELECT id, visibility, owner_id, allowed FROM library_items");
  if (!rows) {
    g_warning("library: reading visibility: %s", rows.error().message.c_str());
    return;
  }
  for (const auto& r : *rows) apply_policy(r);
}

bool Catalogue::is_owner_or_admin(const DbRow& row, const Viewer& viewer) const {
  if (!viewer) return false;
  return viewer->admin || (viewer->id != 0 && viewer->id == row.integer("owner_id"));
}

bool Catalogue::may_watch(const DbRow& row, const Viewer& viewer) {
  if (is_owner_or_admin(row, viewer)) return true;
  auto* id = identity();
  if (!id) return row.text("visibility") != "private";
  return id->may_open(viewer, "vod/" + row.text("id") + "/");
}

bool Catalogue::may_list(const DbRow& row, const Viewer& viewer) {
  if (is_owner_or_admin(row, viewer)) return true;
  if (!plays(row)) return false;
  auto* id = identity();
  if (!id) return row.text("visibility") == "public";
  return id->may_view(viewer, "vod/" + row.text("id") + "/");
}

bool Catalogue::may_see(const DbRow& row, const Viewer& viewer) {
  if (is_owner_or_admin(row, viewer)) return true;
  return plays(row) && may_watch(row, viewer);
}

std::vector<std::string> Catalogue::allowed_names(const DbRow& row) {
  std::vector<std::string> out;
  for (const auto& entry : strings_of_json_array(row.text("allowed"))) {
    if (entry.rfind("group:", 0) == 0) {
      out.push_back(entry);
    } else if (entry.rfind("user:", 0) == 0) {
      auto* ident = identity();
      if (!ident) continue;
      auto u = ident->user_by_id(g_ascii_strtoll(entry.c_str() + 5, nullptr, 10));
      if (u && *u) out.push_back((*u)->username);
    }
  }
  return out;
}

void Catalogue::write_item(JsonWriter& w, const DbRow& row, const Viewer& viewer) {
  const std::string id = row.text("id");
  const bool owner_view = is_owner_or_admin(row, viewer);
  const bool playable = plays(row);
  w.begin_object();
  w.member("id", id).member("title", row.text("title")).member("description", row.text("description"));
  w.key("year");
  if (row.is_null("year")) w.null();
  else w.value(row.integer("year"));
  w.key("genres").begin_array();
  for (const auto& g : strings_of_json_array(row.text("genres"))) w.value(g);
  w.end_array();
  w.member("status", row.text("status"));
  w.member("progress", std::round(row.real("progress") * 10) / 10);
  w.key("eta_s");
  if (row.is_null("eta_s")) w.null();
  else w.value(row.integer("eta_s"));
  w.member("error", owner_view ? row.text("error") : std::string(row.text("error").empty() ? "" : "failed"));
  w.key("hls");
  if (playable && !row.text("hls").empty()) w.value(media_url(id, row.text("hls")));
  else w.null();
  w.key("dash");
  if (playable && !row.text("dash").empty()) w.value(media_url(id, row.text("dash")));
  else w.null();
  w.key("poster");
  if (!row.text("poster").empty()) w.value(media_url(id, row.text("poster")) + "?v=" + std::to_string(row.integer("updated_at")));
  else w.null();
  w.key("sprite_vtt");
  if (!row.text("sprite_vtt").empty()) w.value(media_url(id, row.text("sprite_vtt")));
  else w.null();
  w.member("duration_s", std::round(row.real("duration_s") * 1000) / 1000);
  w.member("has_video", row.integer("has_video") != 0);

  w.key("renditions").begin_array();
  if (auto rs = host_.db().query(
          "SELECT name, width, height, bitrate_kbps FROM library_renditions WHERE item_id = ? ORDER BY height DESC",
          {id})) {
    for (const auto& r : *rs)
      w.begin_object()
          .member("name", r.text("name"))
          .member("width", r.integer("width"))
          .member("height", r.integer("height"))
          .member("bitrate_kbps", r.integer("bitrate_kbps"))
          .end_object();
  }
  w.end_array();
  auto tracks = host_.db().query(
      "SELECT id, kind, language, label, codec, channels, is_default, output FROM library_tracks"
      " WHERE item_id = ? ORDER BY kind, stream_index, id",
      {id});
  w.key("audio").begin_array();
  if (tracks)
    for (const auto& t : *tracks) {
      if (t.text("kind") != "audio") continue;
      w.begin_object()
          .member("id", t.integer("id"))
          .member("language", t.text("language"))
          .member("label", t.text("label"))
          .member("codec", t.text("codec"))
          .member("channels", t.integer("channels"))
          .member("default", t.integer("is_default") != 0)
          .end_object();
    }
  w.end_array();
  w.key("subtitles").begin_array();
  if (tracks)
    for (const auto& t : *tracks) {
      if (t.text("kind") != "subtitle") continue;
      w.begin_object().member("id", t.integer("id")).member("language", t.text("language")).member("label", t.text("label"));
      w.key("url");
      if (!t.text("output").empty()) w.value(media_url(id, t.text("output")));
      else w.null();
      w.end_object();
    }
  w.end_array();

  const std::string username = row.text("owner_username");
  std::string display_name;
  if (auto* ident = identity(); ident && !username.empty())
    if (auto u = ident->find_user(username); u && *u) display_name = (*u)->display_name;
  w.key("owner").begin_object().member("id", row.integer("owner_id")).member("username", username);
  w.member("display_name", display_name.empty() ? username : display_name);
  w.key("avatar_url");
  if (!username.empty()) {
    g_autofree char* escaped = g_uri_escape_string(username.c_str(), nullptr, FALSE);
    w.value(std::string("/api/users/") + escaped + "/avatar");
  } else {
    w.null();
  }
  w.end_object();
  w.member("visibility", row.text("visibility"));
  w.key("allowed").begin_array();
  if (owner_view)
    for (const auto& a : allowed_names(row)) w.value(a);
  w.end_array();
  w.member("created_at", row.integer("created_at")).member("updated_at", row.integer("updated_at"));
  w.key("source").begin_object();
  w.member("filename", owner_view ? row.text("source_filename") : std::string());
  w.member("size_bytes", row.integer("source_size"));
  w.member("container", row.text("container"))
      .member("video_codec", row.text("video_codec"))
      .member("audio_codec", row.text("audio_codec"))
      .member("width", row.integer("width"))
      .member("height", row.integer("height"))
      .member("fps", std::round(row.real("fps") * 1000) / 1000);
  w.end_object();
  w.member("origin", row.text("origin"));
  w.member("can_edit", owner_view);
  w.end_object();
}

std::string Catalogue::item_json(const DbRow& row, const Viewer& viewer) {
  JsonWriter w;
  write_item(w, row, viewer);
  return w.str();
}

Result<std::string> Catalogue::list_json(const ListQuery& query, const Viewer& viewer) {
  struct SortColumn {
    const char* name;
    const char* expr;
    bool text;
  };
  static const SortColumn kSorts[] = {
      {"added", "created_us", false},
      {"title", "lower(title)", true},
      {"year", "coalesce(year, 0)", false},
      {"duration", "duration_s", false},
  };
  const SortColumn* sort = nullptr;
  for (const auto& s : kSorts)
    if (query.sort == s.name) sort = &s;
  if (!sort) return Error{"sort must be added, title, year or duration", 400};
  std::string order = query.order.empty() ? (query.sort == "added" ? "desc" : "asc") : query.order;
  if (order != "asc" && order != "desc") return Error{"order must be asc or desc", 400};
  if (query.limit < 1 || query.limit > 100) return Error{"limit must be between 1 and 100", 400};
  if (!query.status.empty() && query.status != "queued" && query.status != "processing" && query.status != "ready" &&
      query.status != "failed")
    return Error{"status must be queued, processing, ready or failed", 400};

  std::string where = "1 = 1";
  std::vector<DbValue> params;
  // Full-text search first: its ranked ids restrict the rows (and order them when no sort is given).
  std::vector<std::string> ranked;
  if (!query.q.empty()) {
    auto index = host_.db().search_index("library_items", {"title", "description", "genres"});
    if (!index) return index.error();
    auto hits = (*index)->search(query.q, 1000);
    if (!hits) return hits.error();
    if (hits->empty()) return std::string("{\"items\":[],\"next_cursor\":null}");
    where += " AND id IN (";
    for (size_t i = 0; i < hits->size(); ++i) {
      where += i ? ", ?" : "?";
      params.emplace_back((*hits)[i].id);
      ranked.push_back((*hits)[i].id);
    }
    where += ")";
  }
  if (!query.status.empty()) {
    where += " AND status = ?";
    params.emplace_back(query.status);
  }
  if (!query.owner.empty()) {
    if (query.owner == "me") {
      if (!viewer) return std::string("{\"items\":[],\"next_cursor\":null}");
      where += " AND owner_id = ?";
      params.emplace_back(viewer->id);
    } else {
      where += " AND lower(owner_username) = lower(?)";
      params.emplace_back(query.owner);
    }
  }
  if (!query.genre.empty()) {
    // genres is a JSON array of strings: match one whole element.
    JsonWriter as_array;
    as_array.begin_array().value(query.genre).end_array();
    const std::string list = as_array.str();
    const std::string quoted = list.substr(1, list.size() - 2);  // the genre as a JSON string
    where += " AND lower(genres) LIKE lower(?) ESCAPE '\\'";
    std::string pattern;
    for (char c : quoted) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    params.emplace_back("%" + pattern + "%");
  }
  // What the SQL can already rule out: others' unfinished and unlisted items.
  if (!viewer || !viewer->admin) {
    where += " AND (owner_id = ? OR status = 'ready' OR playable = 1)";
    params.emplace_back(viewer ? viewer->id : int64_t{-1});
  }
  const bool by_rank = !ranked.empty() && query.sort == "added" && query.order.empty();
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  int taken = 0;
  std::optional<std::string> next;

  if (by_rank) {
    // Ranked: every hit is in hand (at most 1000); pages are positions in the ranked list.
    auto rows = host_.db().query(std::string("SELECT * FROM library_items WHERE ") + where, params);
    if (!rows) return rows.error();
    std::map<std::string, const DbRow*> by_id;
    for (const auto& r : *rows) by_id[r.text("id")] = &r;
    std::vector<const DbRow*> candidates;
    for (const auto& id : ranked)
      if (auto it = by_id.find(id); it != by_id.end()) candidates.push_back(it->second);
    size_t i = 0;
    if (!query.cursor.empty()) {
      auto cursor = decode_cursor(query.cursor);
      if (!cursor) return Error{"cursor is not one this server gave", 400};
      i = static_cast<size_t>(g_ascii_strtoull(cursor->first.c_str(), nullptr, 10));
    }
    for (; i < candidates.size(); ++i) {
      if (!may_list(*candidates[i], viewer)) continue;
      if (taken == query.limit) {
        next = encode_cursor(std::to_string(i), "");
        break;
      }
      write_item(w, *candidates[i], viewer);
      ++taken;
    }
  } else {
    // Keyset pages, read in batches a few times the page: rows the viewer may not see are
    // skipped and the next batch read until the page is full. The scan is bounded (kMaxBatches):
    // past it the page is short and the cursor continues after the last row read.
    std::optional<std::pair<DbValue, std::string>> after;  // the last row read: sort key, id
    std::string after_cursor = query.cursor;                 // ... as a cursor
    if (!query.cursor.empty()) {
      auto cursor = decode_cursor(query.cursor);
      if (!cursor) return Error{"cursor is not one this server gave", 400};
      after.emplace(sort->text ? DbValue{cursor->first} : DbValue{g_ascii_strtod(cursor->first.c_str(), nullptr)},
                    cursor->second);
    }
    const char* cmp = order == "asc" ? ">" : "<";
    const int64_t batch = int64_t{query.limit} * 4 + 20;
    constexpr int kMaxBatches = 20;
    auto cursor_of = [&](const DbRow& r) {
      return encode_cursor(sort->text ? r.text("sort_key") : format_real(r.real("sort_key")), r.text("id"));
    };
    for (int n = 0; n < kMaxBatches && !next; ++n) {
      std::string sql = std::string("SELECT *, ") + sort->expr + " AS sort_key FROM library_items WHERE " + where;
      std::vector<DbValue> batch_params = params;
      if (after) {
        sql += std::string(" AND (") + sort->expr + " " + cmp + " ? OR (" + sort->expr + " = ? AND id " + cmp + " ?))";
        batch_params.push_back(after->first);
        batch_params.push_back(after->first);
        batch_params.emplace_back(after->second);
      }
      sql += std::string(" ORDER BY ") + sort->expr + " " + order + ", id " + order + " LIMIT ?";
      batch_params.emplace_back(batch);
      auto rows = host_.db().query(sql, batch_params);
      if (!rows) return rows.error();
      const DbRow* prev = nullptr;  // the row before this one (what lies between is not listed)
      for (const auto& r : *rows) {
        if (may_list(r, viewer)) {
          if (taken == query.limit) {
            // One more the viewer may see: the next page starts at it.
            next = prev ? cursor_of(*prev) : after_cursor;
            break;
          }
          write_item(w, r, viewer);
          ++taken;
        }
        prev = &r;
      }
      if (next || static_cast<int64_t>(rows->size()) < batch) break;  // the page is full, or no rows are left
      const DbRow& r = rows->back();
      after.emplace(sort->text ? DbValue{r.text("sort_key")} : DbValue{r.real("sort_key")}, r.text("id"));
      after_cursor = cursor_of(r);
      if (n + 1 == kMaxBatches) next = after_cursor;
    }
  }
  w.end_array().key("next_cursor");
  if (next) w.value(*next);
  else w.null();
  w.end_object();
  return w.str();
}

Status Catalogue::update_metadata(const std::string& id, const ItemPatch& patch) {
  std::string sets;
  std::vector<DbValue> params;
  auto add = [&](const char* column, DbValue v) {
    sets += std::string(sets.empty() ? "" : ", ") + column + " = ?";
    params.push_back(std::move(v));
  };
  if (patch.title) add("title", *patch.title);
  if (patch.description) add("description", *patch.description);
  if (patch.year) add("year", *patch.year ? DbValue{**patch.year} : DbValue{});
  if (patch.genres) add("genres", json_array_of(*patch.genres));
  if (patch.visibility) add("visibility", *patch.visibility);
  if (patch.allowed) {
    std::vector<std::string> stored;
    auto* ident = identity();
    for (const auto& name : *patch.allowed) {
      if (name.rfind("group:", 0) == 0) {
        stored.push_back(name);
        continue;
      }
      if (!ident) return Error{"sharing with users needs accounts (the auth plugin)", 400};
      auto u = ident->find_user(name);
      if (!u) return u.error();
      if (!*u) return Error{"no user named '" + name + "'", 400};
      stored.push_back("user:" + std::to_string((*u)->id));
    }
    add("allowed", json_array_of(stored));
  }
  if (sets.empty()) return {};
  add("updated_at", unix_now());
  params.emplace_back(id);
  auto r = host_.db().exec("UPDATE library_items SET " + sets + " WHERE id = ?", params);
  if (!r) return r.error();
  if (auto row = this->row(id); row && *row) apply_policy(**row);
  reindex(id);
  return {};
}

Status Catalogue::set_status(const std::string& id, const std::string& status, const std::string& error) {
  auto r = host_.db().exec("UPDATE library_items SET status = ?, error = ?, updated_at = ? WHERE id = ?",
                           {status, error, unix_now(), id});
  if (!r) return r.error();
  return {};
}

void Catalogue::remove(const std::string& id, std::function<void(Status)> done, bool keep_out_of_scans) {
  auto existing = row(id);
  if (!existing) return done(existing.error());
  if (!*existing) return done(Error{"no such item", 404});
  const DbRow& r = **existing;
  const std::string origin = r.text("origin");
  const std::string source = r.text("source_path");
  const std::string dir = item_dir(id);
  Status s = host_.db().transaction([&]() -> Status {
    if (origin == "import" && keep_out_of_scans) {
      auto ignored = host_.db().exec(
          "INSERT INTO library_import_ignored (source_path, source_fingerprint, created_at) VALUES (?, ?, ?)"
          " ON CONFLICT (source_path) DO UPDATE SET source_fingerprint = excluded.source_fingerprint",
          {r.text("import_path"), r.text("source_fingerprint"), unix_now()});
      if (!ignored) return ignored.error();
    }
    for (const char* sql : {"DELETE FROM library_jobs WHERE item_id = ?", "DELETE FROM library_tracks WHERE item_id = ?",
                            "DELETE FROM library_renditions WHERE item_id = ?", "DELETE FROM library_items WHERE id = ?"})
      if (auto d = host_.db().exec(sql, {id}); !d) return d.error();
    return {};
  });
  if (!s) return done(s);
  if (index_drop_) index_drop_(id);
  if (auto* media = host_.services().get<MediaAccess>()) media->remove_policy("vod/" + id + "/");
  host_.events().publish({kEventLibraryDeleted,
                          {{"id", id}, {"owner_id", std::to_string(r.integer("owner_id"))}, {"media_prefix", "vod/" + id + "/"}}});
  // The item's folder holds everything we wrote and, for uploads and copies, the original. A
  // recording's original stays where the rtmp plugin wrote it; an in-place import stays in the
  // admin's folder.
  run_in_worker([dir] { remove_tree(dir); }, [done = std::move(done)] { done({}); });
}

Result<int64_t> Catalogue::uploaded_bytes(int64_t user_id) {
  auto rows = host_.db().query(
      "SELECT coalesce(sum(source_size), 0) AS n FROM library_items WHERE owner_id = ? AND origin = 'upload'", {user_id});
  if (!rows) return rows.error();
  return rows->front().integer("n");
}

void Catalogue::set_index_updater(std::function<void(const std::string&)> update,
                                  std::function<void(const std::string&)> drop) {
  index_update_ = std::move(update);
  index_drop_ = std::move(drop);
}

void Catalogue::reindex(const std::string& id) {
  if (index_update_) index_update_(id);
}

LibraryItemInfo Catalogue::info_of(const DbRow& row) {
  LibraryItemInfo info;
  info.id = row.text("id");
  info.title = row.text("title");
  info.status = row.text("status");
  info.playable = plays(row);
  info.has_video = row.integer("has_video") != 0;
  info.duration_s = row.real("duration_s");
  info.owner_id = row.integer("owner_id");
  info.owner_username = row.text("owner_username");
  info.visibility = visibility_of(row.text("visibility"));
  info.policy = policy_of_row(row);
  info.media_prefix = "vod/" + info.id + "/";
  info.media_dir = item_dir(info.id);
  info.poster_url = media_url(info.id, row.text("poster"));
  if (info.playable) {
    info.hls_url = media_url(info.id, row.text("hls"));
    info.dash_url = media_url(info.id, row.text("dash"));
  }
  if (auto rs = host_.db().query(
          "SELECT name, width, height, bitrate_kbps, playlist FROM library_renditions WHERE item_id = ? ORDER BY height DESC",
          {info.id}))
    for (const auto& r : *rs)
      info.renditions.push_back({r.text("name"), static_cast<int>(r.integer("width")), static_cast<int>(r.integer("height")),
                                 static_cast<int>(r.integer("bitrate_kbps")), media_url(info.id, r.text("playlist"))});
  info.created_at = row.integer("created_at");
  info.updated_at = row.integer("updated_at");
  return info;
}

Result<std::optional<LibraryItemInfo>> Catalogue::item(const std::string& id) {
  auto r = row(id);
  if (!r) return r.error();
  if (!*r) return std::optional<LibraryItemInfo>{};
  return std::optional<LibraryItemInfo>{info_of(**r)};
}

Result<std::vector<LibraryItemInfo>> Catalogue::items(const std::vector<std::string>& ids) {
  std::vector<LibraryItemInfo> out;
  for (const auto& id : ids) {
    auto one = item(id);
    if (!one) return one.error();
    if (*one) out.push_back(std::move(**one));
  }
  return out;
}

}  // namespace kek::library
