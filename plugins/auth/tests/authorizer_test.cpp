// Unit tests of the plugin's parts on a real SQLite file: the publish authorizer the RTMP
// ingest will call, media policies and signed tokens, the login rate limiter, password rules.
#include "media_access.h"
#include "passwords.h"
#include "rate_limit.h"
#include "schema.h"
#include "secrets.h"
#include "settings.h"
#include "support/plugin_args.h"
#include "stream_key_directory.h"
#include "stream_keys.h"
#include "users.h"

#include "db/sqlite_database.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <glib/gstdio.h>

using namespace kek::auth;

namespace {

class AuthStore : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(init_crypto().ok());
    g_autofree char* dir = g_dir_make_tmp("kek-auth-unit-XXXXXX", nullptr);
    dir_ = dir;
    auto db = kek::core::SqliteDatabase::open(dir_ + "/kek.db");
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(db_->migrate({{"auth", schema_migrations()}}).ok());
    media_.set_secret(std::vector<uint8_t>(32, 7));
  }
  void TearDown() override {
    db_.reset();
    for (const char* f : {"/kek.db", "/kek.db-wal", "/kek.db-shm"}) g_remove((dir_ + f).c_str());
    g_rmdir(dir_.c_str());
  }
  DbAccess access() {
    return [this]() -> kek::Database& { return *db_; };
  }
  User make_user(const std::string& name) {
    auto u = users_.create({name, name + "@example.com", "not-a-real-hash", kRoleUser});
    EXPECT_TRUE(u.ok());
    return u.ok() ? *u : User{};
  }

  std::string dir_;
  std::unique_ptr<kek::core::SqliteDatabase> db_;
  MediaAccessService media_;
  UserStore users_{access()};
  StreamKeyStore keys_{access(), media_};
};

kek::PublishRequest publish(const std::string& key) { return {"live", key, "127.0.0.1"}; }

}  // namespace

TEST_F(AuthStore, TheKeyDirectoryNamesWorkingKeysByIdWithoutTheirSecrets) {
  User alice = make_user("Alice");
  User bob = make_user("Bob");
  auto home = keys_.create(alice, "home", kek::Visibility::public_);
  auto studio = keys_.create(alice, "studio", kek::Visibility::private_);
  ASSERT_TRUE(home.ok() && studio.ok());
  StreamKeyDirectory directory(keys_);
  auto mine = directory.keys_of(alice.id);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].id, home->key.id);
  EXPECT_EQ((*mine)[0].name, "home");
  EXPECT_EQ((*mine)[0].stream, home->key.stream);
  EXPECT_EQ((*mine)[0].media_prefix(), "live/" + home->key.stream + "/");
  EXPECT_EQ((*mine)[1].policy.visibility, kek::Visibility::private_);
  EXPECT_EQ((*mine)[1].policy.owner_id, alice.id);
  EXPECT_TRUE(directory.keys_of(bob.id)->empty());
  auto one = directory.key(studio->key.id);
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->owner_id, alice.id);
  ASSERT_TRUE(keys_.revoke(alice.id, studio->key.id).ok());
  EXPECT_FALSE(directory.key(studio->key.id)->has_value()) << "a revoked key is no key";
  EXPECT_FALSE(directory.key(999999)->has_value());
  EXPECT_EQ(directory.keys_of(alice.id)->size(), 1u);
}

TEST_F(AuthStore, AuthorizerMapsKeysToUsersAndRefusesUnknownAndRevoked) {
  User alice = make_user("Alice");
  auto key = keys_.create(alice, "studio", kek::Visibility::private_);
  ASSERT_TRUE(key.ok());
  StreamKeyAuthorizer authorizer(keys_, 3);

  auto decision = authorizer.authorize(publish(key->secret));
  EXPECT_TRUE(decision.allowed) << decision.reason;
  EXPECT_EQ(decision.owner, "Alice");
  EXPECT_EQ(decision.owner_id, alice.id);
  EXPECT_EQ(decision.stream, "alice");
  EXPECT_EQ(decision.policy.visibility, kek::Visibility::private_);
  EXPECT_EQ(decision.policy.owner_id, alice.id);
  auto used = keys_.find(alice.id, key->key.id);
  ASSERT_TRUE(used.ok() && used->has_value());
  EXPECT_TRUE((*used)->last_used_at.has_value());
  EXPECT_FALSE(authorizer.authorize(publish(key->secret)).allowed) << "one publish per key at a time";
  authorizer.ended(publish(key->secret));

  EXPECT_FALSE(authorizer.authorize(publish("0123456789abcdef0123456789abcdef")).allowed);
  EXPECT_FALSE(authorizer.authorize(publish("")).allowed);
  EXPECT_FALSE(authorizer.authorize(publish("' OR 1=1 --")).allowed);

  auto regenerated = keys_.regenerate(alice.id, key->key.id);
  ASSERT_TRUE(regenerated.ok());
  EXPECT_FALSE(authorizer.authorize(publish(key->secret)).allowed) << "the old secret is dead";
  EXPECT_TRUE(authorizer.authorize(publish(regenerated->secret)).allowed);
  authorizer.ended(publish(regenerated->secret));

  auto revoked = keys_.revoke(alice.id, key->key.id);
  ASSERT_TRUE(revoked.ok() && *revoked);
  auto refused = authorizer.authorize(publish(regenerated->secret));
  EXPECT_FALSE(refused.allowed);
  EXPECT_FALSE(refused.reason.empty());
}

TEST_F(AuthStore, AuthorizerHonoursThePerUserLimit) {
  User bob = make_user("bob");
  User carol = make_user("carol");
  std::vector<std::string> secrets;
  for (int i = 0; i < 3; ++i) secrets.push_back(keys_.create(bob, "k" + std::to_string(i), kek::Visibility::public_)->secret);
  const std::string carols = keys_.create(carol, "c", kek::Visibility::public_)->secret;
  StreamKeyAuthorizer authorizer(keys_, 2);

  EXPECT_TRUE(authorizer.authorize(publish(secrets[0])).allowed);
  EXPECT_TRUE(authorizer.authorize(publish(secrets[1])).allowed);
  EXPECT_EQ(authorizer.active_streams(bob.id), 2);
  auto third = authorizer.authorize(publish(secrets[2]));
  EXPECT_FALSE(third.allowed);
  EXPECT_NE(third.reason.find("limit"), std::string::npos) << third.reason;
  EXPECT_TRUE(authorizer.authorize(publish(carols)).allowed) << "limits are per user";
  authorizer.ended(publish(secrets[0]));
  EXPECT_TRUE(authorizer.authorize(publish(secrets[2])).allowed) << "a slot was freed";
}

TEST_F(AuthStore, StreamNamesAreUniqueAcrossAccounts) {
  User dave = make_user("dave");
  User dave2 = make_user("dave-2");
  EXPECT_EQ(keys_.create(dave2, "a", kek::Visibility::public_)->key.stream, "dave-2");
  EXPECT_EQ(keys_.create(dave, "a", kek::Visibility::public_)->key.stream, "dave");
  EXPECT_EQ(keys_.create(dave, "b", kek::Visibility::public_)->key.stream, "dave-3") << "dave-2 is another account's";
}

TEST_F(AuthStore, KeyPoliciesReachMediaAccess) {
  User erin = make_user("erin");
  auto key = keys_.create(erin, "cam", kek::Visibility::private_);
  auto policy = media_.policy_for("live/erin/index.m3u8");
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(policy->visibility, kek::Visibility::private_);
  EXPECT_EQ(policy->owner_id, erin.id);
  StreamKeyChange change;
  change.visibility = kek::Visibility::public_;
  ASSERT_TRUE(keys_.update(erin.id, key->key.id, change).ok());
  EXPECT_EQ(media_.policy_for("live/erin/seg.ts")->visibility, kek::Visibility::public_);
}

bool looks_unguessable(const std::string& stream, const std::string& base) {
  if (stream.rfind(base + "-", 0) != 0 || stream.size() != base.size() + 1 + 24) return false;
  for (char ch : stream.substr(base.size() + 1))
    if (!g_ascii_isxdigit(ch)) return false;
  return true;
}

// An unlisted stream is for whoever has its link, so its name must not be guessable: not
// "name-3" but 96 random bits. A key made unlisted later is renamed; its old name stays its
// own (never handed out again) and what was published under it becomes private.
TEST_F(AuthStore, UnlistedStreamsGetUnguessableNames) {
  User gina = make_user("Gina");
  auto unlisted = keys_.create(gina, "link only", kek::Visibility::unlisted);
  ASSERT_TRUE(unlisted.ok());
  EXPECT_TRUE(looks_unguessable(unlisted->key.stream, "gina")) << unlisted->key.stream;
  auto again = keys_.create(gina, "another", kek::Visibility::unlisted);
  EXPECT_NE(again->key.stream, unlisted->key.stream);

  auto open = keys_.create(gina, "open", kek::Visibility::public_);
  ASSERT_TRUE(open.ok());
  const std::string old_name = open->key.stream;
  EXPECT_EQ(old_name, "gina-3");
  StreamKeyChange change;
  change.visibility = kek::Visibility::unlisted;
  auto renamed = keys_.update(gina.id, open->key.id, change);
  ASSERT_TRUE(renamed.ok()) << renamed.error().message;
  EXPECT_TRUE(looks_unguessable(renamed->stream, "gina")) << renamed->stream;
  EXPECT_EQ(media_.policy_for("live/" + renamed->stream + "/x.ts")->visibility, kek::Visibility::unlisted);
  auto old_policy = media_.policy_for("live/" + old_name + "/x.ts");
  ASSERT_TRUE(old_policy.has_value());
  EXPECT_EQ(old_policy->visibility, kek::Visibility::private_) << "the guessable old name is not left open";
  EXPECT_EQ(old_policy->owner_id, gina.id);
  EXPECT_EQ(media_.policy_for("recordings/" + old_name + "/r.mp4")->visibility, kek::Visibility::private_);
  auto unchanged = keys_.update(gina.id, open->key.id, change);
  EXPECT_EQ(unchanged->stream, renamed->stream) << "an unguessable name is kept";

  // The former name is never handed out again, and survives a restart's reinstall.
  auto next = keys_.create(gina, "fourth", kek::Visibility::public_);
  EXPECT_EQ(next->key.stream, "gina-4");
  MediaAccessService fresh;
  StreamKeyStore reloaded(access(), fresh);
  ASSERT_TRUE(reloaded.install_policies().ok());
  EXPECT_EQ(fresh.policy_for("live/" + old_name + "/x.ts")->visibility, kek::Visibility::private_);
  change.visibility = kek::Visibility::public_;
  ASSERT_TRUE(keys_.update(gina.id, open->key.id, change).ok());
  EXPECT_EQ(media_.policy_for("live/" + old_name + "/x.ts")->visibility, kek::Visibility::public_)
      << "the old name follows the key's policy";
}

namespace {

std::optional<Viewer> viewer(int64_t id, std::vector<std::string> groups = {}) {
  return Viewer{id, [groups](const std::string& g) { return std::find(groups.begin(), groups.end(), g) != groups.end(); }};
}

// Accounts 1..9 exist unless erased; their groups are listed here.
struct FakeAccounts {
  std::map<int64_t, std::vector<std::string>> groups;
  std::map<int64_t, int64_t> not_before;
  std::set<int64_t> gone;
  SignerLookup lookup() {
    return [this](int64_t id) -> std::optional<Signer> {
      if (id < 1 || id > 9 || gone.count(id)) return std::nullopt;
      return Signer{*viewer(id, groups[id]), not_before[id]};
    };
  }
};

}  // namespace

TEST(AuthMediaAccess, LongestPrefixWinsAndTokensAreBoundToFolderSignerAndExpiry) {
  MediaAccessService media;
  FakeAccounts accounts;
  media.set_signer_lookup(accounts.lookup());
  EXPECT_FALSE(media.sign("live/x/", 60, 1).ok()) << "no secret yet";
  media.set_secret(std::vector<uint8_t>(32, 1));
  media.set_policy("live/", {kek::Visibility::private_, 9, {}, {}});
  media.set_policy("live/x/", {kek::Visibility::public_, 2, {}, {}});
  media.set_policy("../bad/", {kek::Visibility::private_, 2, {}, {}});  // ignored
  EXPECT_EQ(media.policy_for("live/x/a.ts")->visibility, kek::Visibility::public_);
  EXPECT_EQ(media.policy_for("live/y/a.ts")->visibility, kek::Visibility::private_);
  EXPECT_FALSE(media.policy_for("vod/a.mp4").has_value());
  EXPECT_FALSE(media.policy_for("livex/a.ts").has_value());
  media.remove_policy("live/x/");
  EXPECT_EQ(media.policy_for("live/x/a.ts")->visibility, kek::Visibility::private_);
  media.set_policy("live/x/", {kek::Visibility::private_, 2, {}, {}});

  const int64_t now = 1'700'000'000;
  auto token = media.sign_at("live/x/", 2, now, now + 10);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(media.check_token(*token, "live/x/index.m3u8", now), TokenVerdict::granted);
  EXPECT_EQ(media.check_token(*token, "live/x/sub/seg.ts", now), TokenVerdict::granted);
  EXPECT_EQ(media.check_token(*token, "live/y/index.m3u8", now), TokenVerdict::malformed);
  EXPECT_EQ(media.check_token(*token, "live/xy/index.m3u8", now), TokenVerdict::malformed);
  EXPECT_EQ(media.check_token(*token, "live/x/index.m3u8", now + 10), TokenVerdict::expired);
  auto forge = [&](size_t field, const std::string& value) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (int i = 0; i < 3; ++i) {
      size_t dot = token->find('.', start);
      parts.push_back(token->substr(start, dot - start));
      start = dot + 1;
    }
    parts.push_back(token->substr(start));
    parts[field] = value;
    return parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[3];
  };
  EXPECT_EQ(media.check_token(forge(0, "9"), "live/x/index.m3u8", now), TokenVerdict::malformed) << "another signer";
  EXPECT_EQ(media.check_token(forge(2, std::to_string(now + 1000)), "live/x/index.m3u8", now), TokenVerdict::malformed);
  EXPECT_EQ(media.check_token(forge(1, std::to_string(now + 5)), "live/x/index.m3u8", now), TokenVerdict::malformed);
  EXPECT_EQ(media.check_token("", "live/x/index.m3u8", now), TokenVerdict::malformed);
  EXPECT_EQ(media.check_token("2.1.2", "live/x/index.m3u8", now), TokenVerdict::malformed);
  EXPECT_EQ(media.check_token(*token + ".x", "live/x/index.m3u8", now), TokenVerdict::malformed);
  MediaAccessService other;
  other.set_signer_lookup(accounts.lookup());
  other.set_secret(std::vector<uint8_t>(32, 2));
  EXPECT_EQ(other.check_token(*token, "live/x/index.m3u8", now), TokenVerdict::malformed) << "another server's secret";
  EXPECT_FALSE(media.sign("live/x", 60, 2).ok());
  EXPECT_FALSE(media.sign("/live/x/", 60, 2).ok());
  EXPECT_FALSE(media.sign("live/../x/", 60, 2).ok());
  EXPECT_EQ(media.sign("live/x/", 60, 3).error().code, 403) << "3 may not watch it";
  EXPECT_EQ(media.sign("live/x/", 60, 42).error().code, 403) << "no such account";
  EXPECT_TRUE(media.sign("live/x/", 60, 2).ok());
}

// What the rtsp plugin asks: the same verdict as the /media/ guard's, as a yes or no, now.
TEST(AuthMediaAccess, TokenOpensIsTheGuardsVerdictNow) {
  MediaAccessService media;
  FakeAccounts accounts;
  media.set_signer_lookup(accounts.lookup());
  media.set_secret(std::vector<uint8_t>(32, 1));
  media.set_policy("live/x/", {kek::Visibility::private_, 2, {}, {}});
  auto token = media.sign("live/x/", 60, 2);
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_TRUE(media.token_opens(*token, "live/x/index.m3u8"));
  EXPECT_FALSE(media.token_opens(*token, "live/y/index.m3u8"));
  EXPECT_FALSE(media.token_opens("", "live/x/index.m3u8"));
  EXPECT_FALSE(media.token_opens(*token + "0", "live/x/index.m3u8"));
  auto old = media.sign_at("live/x/", 2, 1'700'000'000, 1'700'000'010);
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(media.token_opens(*old, "live/x/index.m3u8")) << "expired long ago";
}

// The issue's attack: a stranger signs a folder nobody has claimed yet (stream names were
// predictable), the owner later makes it private. At use the token is checked against the
// policy in force then: its signer may not watch it, so it opens nothing.
TEST(AuthMediaAccess, TokensAreCheckedAgainstThePolicyAtUse) {
  MediaAccessService media;
  FakeAccounts accounts;
  media.set_signer_lookup(accounts.lookup());
  media.set_secret(std::vector<uint8_t>(32, 3));
  const int64_t now = 1'700'000'000;
  const std::string path = "live/bob-2/index.m3u8";

  auto early = media.sign_at("live/bob-2/", 3, now, now + 3600);  // the stranger, account 3
  ASSERT_TRUE(early.ok());
  media.set_policy("live/bob-2/", {kek::Visibility::private_, 4, {}, {}});
  EXPECT_EQ(media.check_token(*early, path, now + 1), TokenVerdict::signer_refused);

  // A policy deeper than the folder signed: checked too.
  auto wide = media.sign_at("live/", 3, now, now + 3600);
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(media.check_token(*wide, "live/open/index.m3u8", now + 1), TokenVerdict::granted);
  EXPECT_EQ(media.check_token(*wide, path, now + 1), TokenVerdict::signer_refused);

  // The owner's own token, and a friend's while the grant lasts.
  media.set_policy("live/bob-2/", {kek::Visibility::private_, 4, {5}, {"family"}});
  auto owners = media.sign_at("live/bob-2/", 4, now, now + 3600);
  auto friends = media.sign_at("live/bob-2/", 5, now, now + 3600);
  accounts.groups[6] = {"family"};
  auto cousins = media.sign_at("live/bob-2/", 6, now, now + 3600);
  EXPECT_EQ(media.check_token(*owners, path, now + 1), TokenVerdict::granted);
  EXPECT_EQ(media.check_token(*friends, path, now + 1), TokenVerdict::granted);
  EXPECT_EQ(media.check_token(*cousins, path, now + 1), TokenVerdict::granted);
  media.set_policy("live/bob-2/", {kek::Visibility::private_, 4, {}, {"family"}});  // grant revoked
  EXPECT_EQ(media.check_token(*friends, path, now + 1), TokenVerdict::signer_refused);
  accounts.groups[6] = {};  // left the group
  EXPECT_EQ(media.check_token(*cousins, path, now + 1), TokenVerdict::signer_refused);

  // A new password ends what was signed before it; a deleted account ends all it signed.
  accounts.not_before[4] = now + 10;
  EXPECT_EQ(media.check_token(*owners, path, now + 11), TokenVerdict::signer_refused);
  auto renewed = media.sign_at("live/bob-2/", 4, now + 11, now + 3600);
  EXPECT_EQ(media.check_token(*renewed, path, now + 12), TokenVerdict::granted);
  accounts.gone.insert(4);
  EXPECT_EQ(media.check_token(*renewed, path, now + 12), TokenVerdict::signer_gone);
}

TEST(AuthMediaAccess, PrivateMeansOwnerAllowedUsersAndGroupsByAccount) {
  kek::MediaPolicy policy{kek::Visibility::private_, 1, {2}, {"family"}};
  using P = Purpose;
  EXPECT_FALSE(MediaAccessService::may_view(policy, std::nullopt, P::open));
  EXPECT_TRUE(MediaAccessService::may_view(policy, viewer(1), P::open));
  EXPECT_TRUE(MediaAccessService::may_view(policy, viewer(2), P::open));
  EXPECT_TRUE(MediaAccessService::may_view(policy, viewer(3, {"family"}), P::open));
  EXPECT_FALSE(MediaAccessService::may_view(policy, viewer(4, {"work"}), P::open));
  EXPECT_FALSE(MediaAccessService::may_view(policy, viewer(0), P::open)) << "no account";
  EXPECT_FALSE(MediaAccessService::may_view({kek::Visibility::private_, 0, {}, {}}, viewer(0), P::open))
      << "a tombstone opens to nobody";
  // Unlisted: anyone with the link may watch, but a listing shows it to the owner and the
  // accounts it is shared with only.
  kek::MediaPolicy unlisted{kek::Visibility::unlisted, 1, {2}, {}};
  EXPECT_TRUE(MediaAccessService::may_view(unlisted, std::nullopt, P::open));
  EXPECT_FALSE(MediaAccessService::may_view(unlisted, std::nullopt, P::list));
  EXPECT_FALSE(MediaAccessService::may_view(unlisted, viewer(3), P::list));
  EXPECT_TRUE(MediaAccessService::may_view(unlisted, viewer(1), P::list));
  EXPECT_TRUE(MediaAccessService::may_view(unlisted, viewer(2), P::list));
  EXPECT_TRUE(MediaAccessService::may_view({kek::Visibility::public_, 1, {}, {}}, std::nullopt, P::list));
}

// Grants name accounts: a deleted account's name stays reserved, its grants and keys end,
// and a newcomer cannot take its name (so inherits nothing).
TEST_F(AuthStore, GrantsNameAccountsAndDeletedNamesStayReserved) {
  User owner = make_user("olga");
  User friend_ = make_user("Pavel");
  auto key = keys_.create(owner, "cam", kek::Visibility::private_);
  ASSERT_TRUE(key.ok());
  StreamKeyChange change;
  change.allowed = std::vector<std::string>{"PAVEL", "group:family"};
  auto shared = keys_.update(owner.id, key->key.id, change);
  ASSERT_TRUE(shared.ok()) << shared.error().message;
  EXPECT_EQ(shared->allowed_names, (std::vector<std::string>{"Pavel", "group:family"})) << "shown by current name";
  auto policy = media_.policy_for("live/olga/x.ts");
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(policy->allowed_user_ids, std::vector<int64_t>{friend_.id});
  EXPECT_EQ(policy->allowed_groups, std::vector<std::string>{"family"});
  change.allowed = std::vector<std::string>{"nobody-here"};
  EXPECT_EQ(keys_.update(owner.id, key->key.id, change).error().code, 400) << "a grant names an existing account";

  ASSERT_TRUE(users_.remove(friend_.id).ok());
  EXPECT_FALSE(users_.find_by_name("pavel")->has_value());
  EXPECT_FALSE(users_.find_by_id(friend_.id)->has_value());
  EXPECT_EQ(users_.create({"pavel", "", "hash", kRoleUser}).error().code, 409) << "the name stays reserved";
  auto listed = keys_.find(owner.id, key->key.id);
  ASSERT_TRUE(listed.ok() && listed->has_value());
  EXPECT_EQ((*listed)->allowed_names, std::vector<std::string>{"group:family"}) << "a deleted account is not shown";
  User newcomer = make_user("pavel2");
  EXPECT_NE(newcomer.id, friend_.id) << "ids are not reused";
}

// Grants stored by name before they named accounts become account ids at start.
TEST_F(AuthStore, GrantsByNameFromBeforeAreUpgradedToIds) {
  User owner = make_user("quentin");
  User friend_ = make_user("rosa");
  auto key = keys_.create(owner, "cam", kek::Visibility::private_);
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(db_->exec("UPDATE auth_stream_keys SET allowed = ? WHERE id = ?",
                        {std::string(R"(["ROSA","gone-user","group:family"])"), key->key.id})
                  .ok());
  ASSERT_TRUE(keys_.install_policies().ok());
  auto policy = media_.policy_for("live/quentin/x.ts");
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(policy->allowed_user_ids, std::vector<int64_t>{friend_.id});
  EXPECT_EQ(policy->allowed_groups, std::vector<std::string>{"family"});
  auto stored = db_->query("SELECT allowed FROM auth_stream_keys WHERE id = ?", {key->key.id});
  EXPECT_EQ(stored->front().text("allowed"), "[\"group:family\",\"user:" + std::to_string(friend_.id) + "\"]");
}

TEST(AuthRateLimit, CountsFailuresInASlidingWindow) {
  LoginRateLimiter limits(3, 10, 900);
  const int64_t t = 1000;
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(limits.retry_after("Zed", "10.0.0.1", t + i).has_value());
    limits.record_attempt("Zed", "10.0.0.1", t + i);
  }
  auto wait = limits.retry_after("zed", "10.0.0.2", t + 3);
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, 900 - 3);
  EXPECT_FALSE(limits.retry_after("zed", "10.0.0.2", t + 900).has_value()) << "the oldest failure left the window";
  limits.record_success("zed", "10.0.0.1");
  EXPECT_FALSE(limits.retry_after("zed", "10.0.0.1", t + 4).has_value());
}

TEST(AuthPasswords, RulesAndArgon2id) {
  ASSERT_TRUE(init_crypto().ok());
  EXPECT_EQ(check_password_rules("short").error().code, 400);
  EXPECT_FALSE(check_password_rules("iloveyou").ok());
  EXPECT_FALSE(check_password_rules("QWERTYUIOP").ok()) << "case does not help";
  EXPECT_FALSE(check_password_rules("someusername", "SomeUserName").ok());
  EXPECT_FALSE(check_password_rules(std::string(2000, 'x')).ok());
  EXPECT_TRUE(check_password_rules("a-long-enough-secret").ok());
  auto hash = hash_password("a-long-enough-secret");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(verify_password(*hash, "a-long-enough-secret"));
  EXPECT_FALSE(verify_password(*hash, "a-long-enough-secreT"));
  EXPECT_FALSE(verify_password(decoy_password_hash(), ""));
  EXPECT_NE(generate_password(), generate_password());
}

namespace {

kek::Result<kek::auth::Settings> settings_of(const std::string& json) { return kek::auth::read_settings(kek::test::plugin_args(json)); }

}  // namespace

TEST(AuthSettings, SessionSecondsWinOverDaysAndEveryLimitIsRead) {
  auto defaults = settings_of("{}");
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_EQ(defaults->session_seconds, 30 * 24 * 3600);
  EXPECT_EQ(defaults->max_streams_per_user, 3);
  EXPECT_FALSE(defaults->secure_cookies);
  auto days = settings_of(R"({"session_days":2,"max_streams_per_user":0,"login_window_s":60,"secure_cookies":true})");
  ASSERT_TRUE(days.ok()) << days.error().message;
  EXPECT_EQ(days->session_seconds, 2 * 24 * 3600);
  EXPECT_EQ(days->max_streams_per_user, 0);
  EXPECT_EQ(days->login_window_seconds, 60);
  EXPECT_TRUE(days->secure_cookies);
  auto seconds = settings_of(R"({"session_days":2,"session_seconds":5,"registration":"invite"})");
  ASSERT_TRUE(seconds.ok()) << seconds.error().message;
  EXPECT_EQ(seconds->session_seconds, 5);
  EXPECT_EQ(seconds->registration, kek::auth::Registration::invite);
  auto small = settings_of(R"({"avatar_max_bytes":10})");
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error().message, "args.avatar_max_bytes: must be between 1024 and 67108864");
  EXPECT_FALSE(settings_of(R"({"secure_cookie":true})").ok());
}
