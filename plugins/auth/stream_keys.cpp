#include "stream_keys.h"

#include "secrets.h"
#include "timestamps.h"

#include <glib.h>

namespace kek::auth {
namespace {

constexpr size_t kKeyBytes = 16;  // 128 bits, as 32 hex characters
constexpr size_t kHintLength = 4;
constexpr int kMaxStreamNameAttempts = 100;
// An unlisted stream's name is its link's only secret: 96 random bits after the owner's name.
constexpr size_t kUnlistedNameBytes = 12;

constexpr const char* kKeyColumns =
    "SELECT k.id AS id, k.user_id AS user_id, u.username AS owner, k.name AS name, k.stream AS stream,"
    " k.key_hint AS key_hint, k.visibility AS visibility, k.allowed AS allowed, k.record AS record, k.created_at AS created_at,"
    " k.last_used_at AS last_used_at, k.revoked_at AS revoked_at"
    " FROM auth_stream_keys k JOIN auth_users u ON u.id = k.user_id ";

// Stored as a JSON list of "user:<id>" and "group:<name>"; a bare name is a grant from before
// grants named accounts (install_policies turns it into an id).
std::string allowed_to_json(const std::vector<Grant>& allowed) {
  JsonWriter w;
  w.begin_array();
  for (const auto& g : allowed) w.value(g.user_id > 0 ? "user:" + std::to_string(g.user_id) : "group:" + g.group);
  w.end_array();
  return w.str();
}

struct StoredGrants {
  std::vector<Grant> grants;
  std::vector<std::string> legacy_names;
};

StoredGrants allowed_from_json(const std::string& text) {
  StoredGrants out;
  auto doc = JsonDoc::parse(text);
  if (!doc || !JSON_NODE_HOLDS_ARRAY(doc->root())) return out;
  JsonArray* array = json_node_get_array(doc->root());
  for (guint i = 0; i < json_array_get_length(array); ++i) {
    JsonNode* n = json_array_get_element(array, i);
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) continue;
    std::string_view entry = json_node_get_string(n);
    if (entry.starts_with("group:")) {
      out.grants.push_back({0, std::string(entry.substr(6))});
    } else if (entry.starts_with("user:")) {
      const int64_t id = g_ascii_strtoll(std::string(entry.substr(5)).c_str(), nullptr, 10);
      if (id > 0) out.grants.push_back({id, {}});
    } else {
      out.legacy_names.emplace_back(entry);
    }
  }
  return out;
}

StreamKey key_from_row(const DbRow& row) {
  StreamKey k;
  k.id = row.integer("id");
  k.user_id = row.integer("user_id");
  k.owner = row.text("owner");
  k.name = row.text("name");
  k.stream = row.text("stream");
  k.key_hint = row.text("key_hint");
  k.visibility = parse_visibility(row.text("visibility")).value_or(Visibility::private_);
  k.allowed = allowed_from_json(row.text("allowed")).grants;
  k.record = row.integer("record") != 0;
  k.created_at = row.integer("created_at");
  if (!row.is_null("last_used_at")) k.last_used_at = row.integer("last_used_at");
  k.revoked = !row.is_null("revoked_at");
  return k;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& ch : out) ch = g_ascii_tolower(ch);
  return out;
}

// "alice", "alice-2", ...: the names handed out in order, which anyone can guess.
bool is_predictable_name(std::string_view stream, std::string_view base) {
  if (stream == base) return true;
  if (!stream.starts_with(base) || stream.size() < base.size() + 2 || stream[base.size()] != '-') return false;
  for (char ch : stream.substr(base.size() + 1))
    if (!g_ascii_isdigit(ch)) return false;
  return true;
}

std::string unguessable_name(std::string_view base) { return std::string(base) + "-" + random_hex(kUnlistedNameBytes); }

}  // namespace

Status check_stream_key_name(std::string_view name) {
  if (name.empty()) return Error{"the stream key needs a name", 400, "stream_key_name_required"};
  if (!g_utf8_validate(name.data(), static_cast<gssize>(name.size()), nullptr) ||
      g_utf8_strlen(name.data(), static_cast<gssize>(name.size())) > 64)
    return Error{"the stream key name must be UTF-8 text of at most 64 characters", 400, "invalid_stream_key_name"};
  for (unsigned char ch : name)
    if (ch < 0x20 || ch == 0x7f) return Error{"the stream key name must not contain control characters", 400, "invalid_stream_key_name"};
  return {};
}

Status check_allowed_entries(const std::vector<std::string>& allowed) {
  if (allowed.size() > 100) return Error{"at most 100 entries may be allowed", 400, "too_many_allowed"};
  for (const auto& entry : allowed) {
    std::string_view name = entry;
    if (name.starts_with("group:")) name.remove_prefix(6);
    if (auto s = check_username(name); !s)
      return Error{"'" + entry + "' is neither a user name nor group:NAME", 400, "invalid_allowed_entry"};
  }
  return {};
}

std::string stream_media_prefix(const std::string& stream) { return "live/" + stream + "/"; }
std::string recording_media_prefix(const std::string& stream) { return "recordings/" + stream + "/"; }

namespace {
// A deleted account's folders: private to nobody.
MediaPolicy tombstone_policy() { return MediaPolicy{Visibility::private_, 0, {}, {}}; }
}  // namespace

MediaPolicy policy_of(const StreamKey& key) {
  MediaPolicy policy{key.visibility, key.user_id, {}, {}};
  for (const auto& g : key.allowed) {
    if (g.user_id > 0) policy.allowed_user_ids.push_back(g.user_id);
    else policy.allowed_groups.push_back(g.group);
  }
  return policy;
}

void write_stream_key(JsonWriter& w, const StreamKey& key) {
  w.member("id", key.id)
      .member("name", key.name)
      .member("stream", key.stream)
      .member("visibility", to_string(key.visibility))
      .key("allowed")
      .begin_array();
  for (const auto& a : key.allowed_names) w.value(a);
  w.end_array()
      .member("record", key.record)
      .member("created_at", iso8601(key.created_at))
      .key("last_used_at");
  if (key.last_used_at) w.value(iso8601(*key.last_used_at));
  else w.null();
  w.member("key_hint", "…" + key.key_hint);
}

Result<CreatedStreamKey> StreamKeyStore::create(const User& owner, const std::string& name, Visibility visibility,
                                                bool record) {
  if (auto s = check_stream_key_name(name); !s) return s.error();
  auto count = db_().query("SELECT count(*) AS n FROM auth_stream_keys WHERE user_id = ?", {owner.id});
  if (!count) return wrap(count.error(), "count stream keys");
  const std::string base = lower(owner.username);
  // The first key streams as "alice", later ones as "alice-2", "alice-3"...; a name another
  // account already holds is skipped. An unlisted key's name cannot be guessed.
  for (int64_t n = count->front().integer("n") + 1, attempt = 0; attempt < kMaxStreamNameAttempts; ++n, ++attempt) {
    CreatedStreamKey created;
    created.secret = random_hex(kKeyBytes);
    StreamKey& k = created.key;
    k.user_id = owner.id;
    k.owner = owner.username;
    k.name = name;
    if (visibility == Visibility::unlisted) k.stream = unguessable_name(base);
    else k.stream = n == 1 ? base : base + "-" + std::to_string(n);
    auto free = name_is_free(k.stream);
    if (!free) return free.error();
    if (!*free) continue;
    k.key_hint = created.secret.substr(created.secret.size() - kHintLength);
    k.visibility = visibility;
    k.record = record;
    k.created_at = now_seconds();
    auto r = db_().exec(
        "INSERT INTO auth_stream_keys (user_id, name, stream, key_hash, key_hint, visibility, allowed, record,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, '[]', ?, ?)",
        {k.user_id, k.name, k.stream, sha256_hex(created.secret), k.key_hint, std::string(to_string(visibility)),
         int64_t{record ? 1 : 0}, k.created_at});
    if (!r && r.error().code == 409) continue;  // the stream name is taken
    if (!r) return wrap(r.error(), "create stream key");
    k.id = r->last_insert_id;
    if (auto s = apply_policy(k); !s) return s.error();
    return created;
  }
  return Error{"no free stream name for this account", 409, "no_free_stream_name"};
}

Result<bool> StreamKeyStore::name_is_free(const std::string& stream) {
  // A deleted account's stream name stays buried (its old files must not become the new
  // owner's), and a key's former names stay its own.
  auto buried = db_().query("SELECT 1 AS yes FROM auth_media_tombstones WHERE prefix = ?", {stream_media_prefix(stream)});
  if (!buried) return wrap(buried.error(), "check stream name");
  auto former = db_().query("SELECT 1 AS yes FROM auth_former_streams WHERE stream = ?", {stream});
  if (!former) return wrap(former.error(), "check stream name");
  return buried->empty() && former->empty();
}

Status StreamKeyStore::apply_policy(const StreamKey& key) {
  // A stream's recordings are as private as the stream itself.
  const MediaPolicy policy = policy_of(key);
  media_.set_policy(stream_media_prefix(key.stream), policy);
  media_.set_policy(recording_media_prefix(key.stream), policy);
  // What the key published under a name it had before keeps the key's policy, except that a
  // guessable old name does not stay open to anyone with the link: private instead of unlisted.
  auto former = db_().query("SELECT stream FROM auth_former_streams WHERE key_id = ?", {key.id});
  if (!former) return wrap(former.error(), "read a stream key's former names");
  MediaPolicy old = policy;
  if (old.visibility == Visibility::unlisted) old.visibility = Visibility::private_;
  for (const auto& row : *former) {
    media_.set_policy(stream_media_prefix(row.text("stream")), old);
    media_.set_policy(recording_media_prefix(row.text("stream")), old);
  }
  return {};
}

Status StreamKeyStore::rename_to_unguessable(StreamKey& key) {
  const std::string base = lower(key.owner);
  for (int attempt = 0; attempt < kMaxStreamNameAttempts; ++attempt) {
    const std::string fresh = unguessable_name(base);
    auto free = name_is_free(fresh);
    if (!free) return free.error();
    if (!*free) continue;
    Status done = db_().transaction([&]() -> Status {
      auto keep = db_().exec("INSERT INTO auth_former_streams (stream, key_id, created_at) VALUES (?, ?, ?)",
                             {key.stream, key.id, now_seconds()});
      if (!keep) return keep.error();
      auto r = db_().exec("UPDATE auth_stream_keys SET stream = ? WHERE id = ?", {fresh, key.id});
      if (!r) return r.error();
      return {};
    });
    if (!done && done.error().code == 409) continue;
    if (!done) return wrap(done.error(), "rename stream");
    key.stream = fresh;
    return {};
  }
  return Error{"no free stream name for this account", 409, "no_free_stream_name"};
}

Result<std::optional<StreamKey>> StreamKeyStore::find_where(std::string_view where, const std::vector<DbValue>& params) {
  auto rows = db_().query(std::string(kKeyColumns) + std::string(where), params);
  if (!rows) return wrap(rows.error(), "find stream key");
  if (rows->empty()) return std::optional<StreamKey>{};
  StreamKey key = key_from_row(rows->front());
  if (auto s = fill_allowed_names(key); !s) return s.error();
  return std::optional<StreamKey>{std::move(key)};
}

Status StreamKeyStore::fill_allowed_names(StreamKey& key) {
  key.allowed_names.clear();
  for (const auto& g : key.allowed) {
    if (g.user_id <= 0) {
      key.allowed_names.push_back("group:" + g.group);
      continue;
    }
    auto rows = db_().query("SELECT username FROM auth_users WHERE id = ? AND deleted_at IS NULL", {g.user_id});
    if (!rows) return wrap(rows.error(), "name an allowed user");
    if (!rows->empty()) key.allowed_names.push_back(rows->front().text("username"));
  }
  return {};
}

Result<std::vector<Grant>> StreamKeyStore::grants_for(const std::vector<std::string>& names) {
  std::vector<Grant> grants;
  for (const auto& entry : names) {
    std::string_view name = entry;
    if (name.starts_with("group:")) {
      grants.push_back({0, std::string(name.substr(6))});
      continue;
    }
    auto rows = db_().query("SELECT id FROM auth_users WHERE username = ? COLLATE NOCASE AND deleted_at IS NULL",
                            {entry});
    if (!rows) return wrap(rows.error(), "find an allowed user");
    if (rows->empty()) return Error{"no user named '" + entry + "'", 400, "no_such_user"};
    const int64_t id = rows->front().integer("id");
    bool repeated = false;
    for (const auto& g : grants) repeated = repeated || g.user_id == id;
    if (!repeated) grants.push_back({id, {}});
  }
  return grants;
}

Result<std::vector<StreamKey>> StreamKeyStore::list(int64_t user_id) {
  auto rows = db_().query(std::string(kKeyColumns) + "WHERE k.user_id = ? AND k.revoked_at IS NULL ORDER BY k.id",
                          {user_id});
  if (!rows) return wrap(rows.error(), "list stream keys");
  std::vector<StreamKey> keys;
  for (const auto& row : *rows) {
    keys.push_back(key_from_row(row));
    if (auto s = fill_allowed_names(keys.back()); !s) return s.error();
  }
  return keys;
}

Result<std::optional<StreamKey>> StreamKeyStore::find(int64_t user_id, int64_t key_id) {
  return find_where("WHERE k.id = ? AND k.user_id = ? AND k.revoked_at IS NULL", {key_id, user_id});
}

Result<std::optional<StreamKey>> StreamKeyStore::find_by_id(int64_t key_id) {
  return find_where("WHERE k.id = ? AND k.revoked_at IS NULL AND u.deleted_at IS NULL", {key_id});
}

Result<CreatedStreamKey> StreamKeyStore::regenerate(int64_t user_id, int64_t key_id) {
  auto key = find(user_id, key_id);
  if (!key) return key.error();
  if (!*key) return Error{"no such stream key", 404, "no_such_stream_key"};
  CreatedStreamKey created{**key, random_hex(kKeyBytes)};
  created.key.key_hint = created.secret.substr(created.secret.size() - kHintLength);
  auto r = db_().exec("UPDATE auth_stream_keys SET key_hash = ?, key_hint = ? WHERE id = ?",
                      {sha256_hex(created.secret), created.key.key_hint, key_id});
  if (!r) return wrap(r.error(), "regenerate stream key");
  return created;
}

Result<StreamKey> StreamKeyStore::update(int64_t user_id, int64_t key_id, const StreamKeyChange& change) {
  auto found = find(user_id, key_id);
  if (!found) return found.error();
  if (!*found) return Error{"no such stream key", 404, "no_such_stream_key"};
  StreamKey key = **found;
  if (change.name) {
    if (auto s = check_stream_key_name(*change.name); !s) return s.error();
    key.name = *change.name;
  }
  if (change.visibility) key.visibility = *change.visibility;
  if (change.allowed) {
    if (auto s = check_allowed_entries(*change.allowed); !s) return s.error();
    auto grants = grants_for(*change.allowed);
    if (!grants) return grants.error();
    key.allowed = std::move(*grants);
  }
  if (change.record) key.record = *change.record;
  // Made unlisted: a name anyone can guess ("alice-2") would open it to anyone, so it gets an
  // unguessable one (from the next publish on; the old name's files stay the key's, private).
  if (key.visibility == Visibility::unlisted && is_predictable_name(key.stream, lower(key.owner)))
    if (auto s = rename_to_unguessable(key); !s) return s.error();
  auto r = db_().exec("UPDATE auth_stream_keys SET name = ?, visibility = ?, allowed = ?, record = ? WHERE id = ?",
                      {key.name, std::string(to_string(key.visibility)), allowed_to_json(key.allowed),
                       int64_t{key.record ? 1 : 0}, key.id});
  if (!r) return wrap(r.error(), "update stream key");
  if (auto s = fill_allowed_names(key); !s) return s.error();
  if (auto s = apply_policy(key); !s) return s.error();
  return key;
}

Result<bool> StreamKeyStore::revoke(int64_t user_id, int64_t key_id) {
  auto r = db_().exec("UPDATE auth_stream_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
                      {now_seconds(), key_id, user_id});
  if (!r) return wrap(r.error(), "revoke stream key");
  return r->changes > 0;
}

Result<std::optional<StreamKey>> StreamKeyStore::find_by_secret(std::string_view secret) {
  // A disabled account's keys are refused at publish, and work again once it is enabled.
  return find_where("WHERE k.key_hash = ? AND k.revoked_at IS NULL AND u.deleted_at IS NULL AND u.disabled_at IS NULL",
                    {sha256_hex(secret)});
}

Status StreamKeyStore::mark_used(int64_t key_id) {
  auto r = db_().exec("UPDATE auth_stream_keys SET last_used_at = ? WHERE id = ?", {now_seconds(), key_id});
  if (!r) return wrap(r.error(), "mark stream key used");
  return {};
}

Status StreamKeyStore::install_policies() {
  // Live accounts' keys first, then the tombstones: a buried folder stays buried.
  auto rows = db_().query(std::string(kKeyColumns) + "WHERE u.deleted_at IS NULL ORDER BY k.id");
  if (!rows) return wrap(rows.error(), "read stream key policies");
  for (const auto& row : *rows) {
    StreamKey key = key_from_row(row);
    if (auto s = upgrade_grants_by_name(key, row.text("allowed")); !s) return s;
    if (auto s = apply_policy(key); !s) return s;
  }
  auto buried = db_().query("SELECT prefix FROM auth_media_tombstones");
  if (!buried) return wrap(buried.error(), "read media tombstones");
  for (const auto& row : *buried) media_.set_policy(row.text("prefix"), tombstone_policy());
  return {};
}

Status StreamKeyStore::upgrade_grants_by_name(StreamKey& key, const std::string& stored) {
  StoredGrants parsed = allowed_from_json(stored);
  if (parsed.legacy_names.empty()) return {};
  for (const auto& name : parsed.legacy_names) {
    if (name.empty()) continue;
    auto grants = grants_for({name});
    if (grants) {
      key.allowed.insert(key.allowed.end(), grants->begin(), grants->end());
    } else if (grants.error().code == 400) {
      g_message("auth: stream key %lld: the grant to '%s' is dropped (no such account)",
                static_cast<long long>(key.id), name.c_str());
    } else {
      return grants.error();
    }
  }
  auto r = db_().exec("UPDATE auth_stream_keys SET allowed = ? WHERE id = ?", {allowed_to_json(key.allowed), key.id});
  if (!r) return wrap(r.error(), "upgrade the grants of a stream key");
  return {};
}

Status StreamKeyStore::revoke_all_of(int64_t user_id) {
  auto r = db_().exec("UPDATE auth_stream_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                      {now_seconds(), user_id});
  if (!r) return wrap(r.error(), "revoke the account's stream keys");
  return {};
}

Status StreamKeyStore::bury_media_of(int64_t user_id) {
  auto rows = db_().query(
      "SELECT k.stream AS stream, u.username AS owner FROM auth_stream_keys k JOIN auth_users u ON u.id = k.user_id"
      " WHERE k.user_id = ?"
      " UNION SELECT f.stream AS stream, u.username AS owner FROM auth_former_streams f"
      " JOIN auth_stream_keys k ON k.id = f.key_id JOIN auth_users u ON u.id = k.user_id WHERE k.user_id = ?",
      {user_id, user_id});
  if (!rows) return wrap(rows.error(), "list the account's stream names");
  for (const auto& row : *rows) {
    const std::string stream = row.text("stream");
    for (const std::string& prefix : {stream_media_prefix(stream), recording_media_prefix(stream)}) {
      auto r = db_().exec(
          "INSERT INTO auth_media_tombstones (prefix, former_owner, created_at) VALUES (?, ?, ?)"
          " ON CONFLICT (prefix) DO UPDATE SET former_owner = excluded.former_owner, created_at = excluded.created_at",
          {prefix, row.text("owner"), now_seconds()});
      if (!r) return wrap(r.error(), "bury " + prefix);
      media_.set_policy(prefix, tombstone_policy());
    }
  }
  return {};
}

PublishDecision StreamKeyAuthorizer::authorize(const PublishRequest& request) {
  PublishDecision decision;
  auto key = keys_.find_by_secret(request.key);
  if (!key) {
    decision.reason = "stream keys cannot be checked: " + key.error().message;
    return decision;
  }
  if (!*key) {
    decision.reason = "unknown or revoked stream key";
    return decision;
  }
  const StreamKey& k = **key;
  const std::string key_hash = sha256_hex(request.key);
  {
    std::lock_guard lock(mutex_);
    if (active_.count(key_hash)) {
      decision.reason = "this stream key is already publishing";
      return decision;
    }
    int64_t running = 0;
    for (const auto& [hash, owner] : active_) running += owner == k.user_id ? 1 : 0;
    if (running >= max_streams_per_user_) {
      decision.reason = k.owner + " already has " + std::to_string(running) + " live streams (the limit)";
      return decision;
    }
    active_[key_hash] = k.user_id;
  }
  if (auto s = keys_.mark_used(k.id); !s) g_warning("auth: %s", s.error().message.c_str());
  decision.allowed = true;
  decision.owner = k.owner;
  decision.owner_id = k.user_id;
  decision.stream = k.stream;
  decision.policy = policy_of(k);
  decision.record = k.record;
  return decision;
}

void StreamKeyAuthorizer::ended(const PublishRequest& request) {
  std::lock_guard lock(mutex_);
  active_.erase(sha256_hex(request.key));
}

int64_t StreamKeyAuthorizer::active_streams(int64_t user_id) const {
  std::lock_guard lock(mutex_);
  int64_t n = 0;
  for (const auto& [hash, who] : active_) n += who == user_id ? 1 : 0;
  return n;
}

}  // namespace kek::auth
