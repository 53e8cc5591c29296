// kek::Identity for other plugins: the request's signed-in user, users by name, and whether a
// user may watch what lies under a media prefix.
#pragma once

#include "media_access.h"

#include <kek/services/identity.h>

namespace kek::auth {

struct AuthContext;

class IdentityService final : public Identity {
 public:
  explicit IdentityService(AuthContext& ctx) : ctx_(ctx) {}

  Result<std::optional<UserIdentity>> user_of(const HttpRequest& request) override;
  Result<std::optional<UserIdentity>> find_user(const std::string& username) override;
  Result<std::optional<UserIdentity>> user_by_id(int64_t id) override;
  bool may_view(const std::optional<UserIdentity>& user, const std::string& media_prefix) override;
  bool may_open(const std::optional<UserIdentity>& user, const std::string& media_prefix) override;

 private:
  bool may_see(const std::optional<UserIdentity>& user, const std::string& media_prefix, Purpose purpose);
  AuthContext& ctx_;
};

}  // namespace kek::auth
