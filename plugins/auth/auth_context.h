// Everything the auth plugin keeps while kek runs, in one object its routes, guards, commands
// and services share (through a shared_ptr captured by each; nothing is global).
#pragma once

#include "groups.h"
#include "identity.h"
#include "invites.h"
#include "media_access.h"
#include "rate_limit.h"
#include "sessions.h"
#include "settings.h"
#include "stream_key_directory.h"
#include "stream_keys.h"
#include "users.h"

#include <kek/host.h>

namespace kek::auth {

struct AuthContext {
  AuthContext(Host& h, Settings s)
      : host(h),
        settings(s),
        users(database()),
        sessions(database(), s.session_seconds),
        stream_keys(database(), media),
        authorizer(stream_keys, s.max_streams_per_user),
        key_directory(stream_keys),
        invites(database()),
        groups(database()),
        login_limits(s.login_failures_per_account, s.login_failures_per_address, s.login_window_seconds),
        registrations(s.registrations_per_address, s.registration_window_seconds),
        identity(*this) {}
  AuthContext(const AuthContext&) = delete;
  AuthContext& operator=(const AuthContext&) = delete;

  DbAccess database() { return [this]() -> Database& { return host.db(); }; }

  Host& host;
  const Settings settings;
  MediaAccessService media;
  UserStore users;
  SessionStore sessions;
  StreamKeyStore stream_keys;
  StreamKeyAuthorizer authorizer;
  StreamKeyDirectory key_directory;
  InviteStore invites;
  GroupStore groups;
  LoginRateLimiter login_limits;
  FailureWindow registrations;  // accounts created per remote address (main loop only)
  IdentityService identity;
};

}  // namespace kek::auth
