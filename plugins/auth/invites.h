// Invite codes for registration: "invite" mode. Single use, expiring, stored hashed.
#pragma once

#include "users.h"

#include <string>

namespace kek::auth {

struct Invite {
  std::string code;  // shown once, to the admin who made it
  int64_t expires_at = 0;
};

class InviteStore {
 public:
  explicit InviteStore(DbAccess db) : db_(std::move(db)) {}

  Result<Invite> create(int64_t admin_id, int64_t valid_seconds);
  // Marks the invite used by user_id; 403 when it is unknown, used or expired. Call inside the
  // transaction that creates the user, so a failed registration does not spend the invite.
  Status redeem(const std::string& code, int64_t user_id);

 private:
  DbAccess db_;
};

}  // namespace kek::auth
