// The auth plugin's args, read and checked once into an immutable value every part shares.
#pragma once

#include <kek/args.h>
#include <kek/error.h>

#include <cstdint>
#include <string>

namespace kek::auth {

enum class Registration { open, closed, invite };

struct Settings {
  Registration registration = Registration::open;
  int64_t session_seconds = 30 * 24 * 3600;  // from session_days, or session_seconds for tests
  int64_t avatar_max_bytes = 5 * 1024 * 1024;
  int64_t max_streams_per_user = 3;
  int64_t login_failures_per_account = 5;
  int64_t login_failures_per_address = 20;
  int64_t login_window_seconds = 15 * 60;
  // Accounts one address may create per window: a family behind one router registers freely, a
  // script filling the user table does not.
  int64_t registrations_per_address = 20;
  int64_t registration_window_seconds = 3600;
  int64_t max_signed_url_seconds = 7 * 24 * 3600;
  // Always Secure cookies, even for a request that came over plain HTTP (a TLS-terminating
  // proxy that is not in http.trusted_proxies, so its X-Forwarded-Proto is not believed).
  bool secure_cookies = false;
};

Result<Settings> read_settings(const Args& args);

}  // namespace kek::auth
