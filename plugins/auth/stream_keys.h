// Stream keys: secret publish credentials (shown once, stored hashed), each with a public
// stream name for URLs and a visibility for what it publishes. The PublishAuthorizer the RTMP
// ingest asks lives here too.
#pragma once

#include "media_access.h"
#include "users.h"

#include <kek/services/publish_authorizer.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kek::auth {

// Who a key's media is shared with: an account (by id) or a group (by name).
struct Grant {
  int64_t user_id = 0;  // 0: a group grant
  std::string group;
};

struct StreamKey {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string owner;  // user name
  std::string name;
  std::string stream;
  std::string key_hint;  // the last characters, so a user can tell keys apart
  Visibility visibility = Visibility::public_;
  std::vector<Grant> allowed;
  // The grants as the API shows them: current user names and "group:NAME" (a deleted account
  // is left out).
  std::vector<std::string> allowed_names;
  bool record = false;  // its live streams are also recorded (media/recordings/<stream>/)
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
  bool revoked = false;
};

struct CreatedStreamKey {
  StreamKey key;
  std::string secret;  // the full key; only ever returned at creation or regeneration
};

struct StreamKeyChange {
  std::optional<std::string> name;
  std::optional<Visibility> visibility;
  std::optional<std::vector<std::string>> allowed;  // user names and "group:NAME", as the API takes them
  std::optional<bool> record;
};

std::optional<Visibility> parse_visibility(std::string_view text);  // bodies.cpp
Status check_stream_key_name(std::string_view name);
// Each entry a user name or "group:NAME" (the names' spelling only; update() finds the accounts).
Status check_allowed_entries(const std::vector<std::string>& allowed);
// "live/<stream>/": where the live pipeline of a stream writes, and what its policy covers.
std::string stream_media_prefix(const std::string& stream);
// "recordings/<stream>/": where the live layouts write its recordings (same policy).
std::string recording_media_prefix(const std::string& stream);
MediaPolicy policy_of(const StreamKey& key);
void write_stream_key(JsonWriter& w, const StreamKey& key);  // without the secret

class StreamKeyStore {
 public:
  StreamKeyStore(DbAccess db, MediaAccessService& media) : db_(std::move(db)), media_(media) {}

  Result<CreatedStreamKey> create(const User& owner, const std::string& name, Visibility visibility,
                                  bool record = false);
  Result<std::vector<StreamKey>> list(int64_t user_id);
  Result<std::optional<StreamKey>> find(int64_t user_id, int64_t key_id);
  // A working key by id, whoever owns it (for kek::StreamKeys).
  Result<std::optional<StreamKey>> find_by_id(int64_t key_id);
  Result<CreatedStreamKey> regenerate(int64_t user_id, int64_t key_id);
  // 400 naming an allowed user who does not exist.
  Result<StreamKey> update(int64_t user_id, int64_t key_id, const StreamKeyChange& change);
  // The key stops working at once; its stream name and media policy stay.
  Result<bool> revoke(int64_t user_id, int64_t key_id);
  // The live key with this secret, if any.
  Result<std::optional<StreamKey>> find_by_secret(std::string_view secret);
  Status mark_used(int64_t key_id);
  // Every key's policy into the media access service (at start), and the tombstones. Grants
  // stored by name (before they named accounts) are turned into account ids on the way.
  Status install_policies();
  // When an account is deleted (same transaction): its keys stop working.
  Status revoke_all_of(int64_t user_id);
  // Before an account is deleted (same transaction): its streams' folders become a tombstone
  // nobody may fetch, since the keys holding their policies go with it.
  Status bury_media_of(int64_t user_id);

 private:
  Status apply_policy(const StreamKey& key);
  Result<bool> name_is_free(const std::string& stream);
  Status rename_to_unguessable(StreamKey& key);
  Status fill_allowed_names(StreamKey& key);
  Result<std::vector<Grant>> grants_for(const std::vector<std::string>& names);
  Status upgrade_grants_by_name(StreamKey& key, const std::string& stored);
  Result<std::optional<StreamKey>> find_where(std::string_view where, const std::vector<DbValue>& params);
  DbAccess db_;
  MediaAccessService& media_;
};

// kek::PublishAuthorizer: key -> user, revoked and unknown keys refused, per-user limits.
// Called by the RTMP ingest on the main thread (the database is bound to it).
class StreamKeyAuthorizer final : public PublishAuthorizer {
 public:
  StreamKeyAuthorizer(StreamKeyStore& keys, int64_t max_streams_per_user)
      : keys_(keys), max_streams_per_user_(max_streams_per_user) {}

  PublishDecision authorize(const PublishRequest& request) override;
  void ended(const PublishRequest& request) override;

  int64_t active_streams(int64_t user_id) const;

 private:
  StreamKeyStore& keys_;
  const int64_t max_streams_per_user_;
  mutable std::mutex mutex_;
  std::map<std::string, int64_t> active_;  // key hash -> owner's id, for publishes in progress
};

}  // namespace kek::auth
