#include "invites.h"

#include "secrets.h"
#include "timestamps.h"

namespace kek::auth {

Result<Invite> InviteStore::create(int64_t admin_id, int64_t valid_seconds) {
  Invite invite{random_hex(16), now_seconds() + valid_seconds};
  auto r = db_().exec("INSERT INTO auth_invites (code_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?)",
                      {sha256_hex(invite.code), admin_id, now_seconds(), invite.expires_at});
  if (!r) return wrap(r.error(), "create invite");
  return invite;
}

Status InviteStore::redeem(const std::string& code, int64_t user_id) {
  auto r = db_().exec(
      "UPDATE auth_invites SET used_by = ?, used_at = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
      {user_id, now_seconds(), sha256_hex(code), now_seconds()});
  if (!r) return wrap(r.error(), "redeem invite");
  if (r->changes == 0) return Error{"the invite code is not valid (unknown, used or expired)", 403, "invite_invalid"};
  return {};
}

}  // namespace kek::auth
