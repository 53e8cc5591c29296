#include "settings.h"

namespace kek::auth {

Result<Settings> read_settings(const Args& args) {
  Settings s;
  auto registration = args.string("registration", "open");
  if (!registration) return registration.error();
  if (*registration == "open") s.registration = Registration::open;
  else if (*registration == "closed") s.registration = Registration::closed;
  else if (*registration == "invite") s.registration = Registration::invite;
  else return args.fail("registration", "must be open, closed or invite");

  auto days = args.integer("session_days", 30, 1, 3650);
  if (!days) return days.error();
  s.session_seconds = *days * 24 * 3600;
  // Seconds win over days when given: the tests need sessions that expire while they watch.
  auto seconds = args.integer("session_seconds", 0, 0, int64_t{3650} * 24 * 3600);
  if (!seconds) return seconds.error();
  if (*seconds > 0) s.session_seconds = *seconds;

  struct IntegerArg {
    const char* key;
    int64_t* field;
    int64_t min, max;
  };
  const IntegerArg integers[] = {
      {"avatar_max_bytes", &s.avatar_max_bytes, 1024, 64 * 1024 * 1024},
      {"max_streams_per_user", &s.max_streams_per_user, 0, 1000},
      {"login_failures_per_account", &s.login_failures_per_account, 1, 1000000},
      {"login_failures_per_address", &s.login_failures_per_address, 1, 1000000},
      {"login_window_s", &s.login_window_seconds, 1, 7 * 24 * 3600},
      {"registrations_per_address", &s.registrations_per_address, 1, 1000000},
      {"registration_window_s", &s.registration_window_seconds, 1, 7 * 24 * 3600},
      {"max_signed_url_s", &s.max_signed_url_seconds, 1, 365 * 24 * 3600},
  };
  for (const auto& arg : integers) {
    auto v = args.integer(arg.key, *arg.field, arg.min, arg.max);
    if (!v) return v.error();
    *arg.field = *v;
  }
  auto secure = args.boolean("secure_cookies", false);
  if (!secure) return secure.error();
  s.secure_cookies = *secure;

  if (auto unknown = args.no_unknown_keys(); !unknown) return unknown.error();
  return s;
}

}  // namespace kek::auth
