#include "sessions.h"

#include "secrets.h"
#include "timestamps.h"

namespace kek::auth {
namespace {

// last_seen_at is written at most this often, not on every request a player makes.
constexpr int64_t kLastSeenResolutionSeconds = 60;
constexpr size_t kMaxUserAgentLength = 256;
// Sessions remembered at most (a bound on memory whatever the number of clients); past it the
// memory starts again empty.
constexpr size_t kMaxRemembered = 4096;

constexpr const char* kSessionColumns =
    "SELECT id, user_id, csrf_token, created_at, last_seen_at, expires_at, user_agent, remote FROM auth_sessions ";

Session session_from_row(const DbRow& row) {
  Session s;
  s.id = row.integer("id");
  s.user_id = row.integer("user_id");
  s.csrf_token = row.text("csrf_token");
  s.created_at = row.integer("created_at");
  s.last_seen_at = row.integer("last_seen_at");
  s.expires_at = row.integer("expires_at");
  s.user_agent = row.text("user_agent");
  s.remote = row.text("remote");
  return s;
}

bool looks_like_token(std::string_view token) {
  if (token.size() != 64) return false;
  for (char ch : token)
    if (!g_ascii_isxdigit(ch)) return false;
  return true;
}

}  // namespace

Result<NewSession> SessionStore::create(int64_t user_id, const HttpRequest& request) {
  NewSession created;
  created.token = random_hex(32);
  Session& s = created.session;
  s.user_id = user_id;
  s.csrf_token = random_hex(32);
  s.created_at = s.last_seen_at = now_seconds();
  s.expires_at = s.created_at + lifetime_seconds_;
  std::string agent = request.header("user-agent").value_or("");
  if (agent.size() > kMaxUserAgentLength) agent.resize(kMaxUserAgentLength);
  g_autofree char* valid_agent = g_utf8_make_valid(agent.data(), static_cast<gssize>(agent.size()));
  s.user_agent = valid_agent;
  s.remote = request.remote;
  auto r = db_().exec(
      "INSERT INTO auth_sessions (user_id, token_hash, csrf_token, created_at, last_seen_at, expires_at, user_agent, remote)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {user_id, sha256_hex(created.token), s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, s.user_agent,
       s.remote});
  if (!r) return wrap(r.error(), "create session");
  s.id = r->last_insert_id;
  return created;
}

Result<std::optional<Session>> SessionStore::find(const HttpRequest& request) {
  auto token = request.cookie(kSessionCookie);
  if (!token || !looks_like_token(*token)) return std::optional<Session>{};
  const std::string hash = sha256_hex(*token);
  const int64_t now = now_seconds();
  auto known = found_.find(hash);
  if (known == found_.end() || now - known->second.checked_at >= kRecheckSeconds) {
    auto rows = db_().query(std::string(kSessionColumns) + "WHERE token_hash = ?", {hash});
    if (!rows) return wrap(rows.error(), "find session");
    if (rows->empty()) {
      if (known != found_.end()) found_.erase(known);
      return std::optional<Session>{};
    }
    if (known == found_.end()) {
      if (found_.size() >= kMaxRemembered) found_.clear();
      known = found_.emplace(hash, Remembered{}).first;
    }
    known->second = Remembered{session_from_row(rows->front()), now};
  }
  Session& s = known->second.session;
  if (s.expires_at <= now) {
    (void)db_().exec("DELETE FROM auth_sessions WHERE id = ?", {s.id});
    found_.erase(known);
    return std::optional<Session>{};
  }
  if (now - s.last_seen_at >= kLastSeenResolutionSeconds) {
    (void)db_().exec("UPDATE auth_sessions SET last_seen_at = ? WHERE id = ?", {now, s.id});
    s.last_seen_at = now;
  }
  return std::optional<Session>{s};
}

void SessionStore::forget(const std::function<bool(const Session&)>& which) {
  std::erase_if(found_, [&](const auto& entry) { return which(entry.second.session); });
}

Result<std::vector<Session>> SessionStore::list(int64_t user_id) {
  auto rows = db_().query(std::string(kSessionColumns) + "WHERE user_id = ? AND expires_at > ? ORDER BY id",
                          {user_id, now_seconds()});
  if (!rows) return wrap(rows.error(), "list sessions");
  std::vector<Session> out;
  for (const auto& row : *rows) out.push_back(session_from_row(row));
  return out;
}

Result<bool> SessionStore::revoke(int64_t user_id, int64_t session_id) {
  auto r = db_().exec("DELETE FROM auth_sessions WHERE id = ? AND user_id = ?", {session_id, user_id});
  if (!r) return wrap(r.error(), "revoke session");
  forget([&](const Session& s) { return s.id == session_id && s.user_id == user_id; });
  return r->changes > 0;
}

Result<int64_t> SessionStore::revoke_all_except(int64_t user_id, int64_t keep_session_id) {
  auto r = db_().exec("DELETE FROM auth_sessions WHERE user_id = ? AND id != ?", {user_id, keep_session_id});
  if (!r) return wrap(r.error(), "revoke sessions");
  forget([&](const Session& s) { return s.user_id == user_id && s.id != keep_session_id; });
  return r->changes;
}

std::string session_cookie(const std::string& token, int64_t max_age_seconds, bool secure) {
  return std::string(kSessionCookie) + "=" + token + "; Path=/; Max-Age=" + std::to_string(max_age_seconds) +
         "; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
}

std::string cleared_session_cookie(bool secure) {
  return std::string(kSessionCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
}

}  // namespace kek::auth
