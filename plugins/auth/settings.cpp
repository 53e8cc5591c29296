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

  int64_t days = 30, seconds = 0;
  if (auto st = first_failure({
          args.read("session_days", days, 1, 3650),
          args.read("session_seconds", seconds, 0, int64_t{3650} * 24 * 3600),
          args.read("avatar_max_bytes", s.avatar_max_bytes, 1024, 64 * 1024 * 1024),
          args.read("max_streams_per_user", s.max_streams_per_user, 0, 1000),
          args.read("login_failures_per_account", s.login_failures_per_account, 1, 1000000),
          args.read("login_failures_per_address", s.login_failures_per_address, 1, 1000000),
          args.read("login_window_s", s.login_window_seconds, 1, 7 * 24 * 3600),
          args.read("registrations_per_address", s.registrations_per_address, 1, 1000000),
          args.read("registration_window_s", s.registration_window_seconds, 1, 7 * 24 * 3600),
          args.read("max_signed_url_s", s.max_signed_url_seconds, 1, 365 * 24 * 3600),
          args.read("secure_cookies", s.secure_cookies),
          args.no_unknown_keys(),
      });
      !st)
    return st.error();
  // Seconds win over days when given: the tests need sessions that expire while they watch.
  s.session_seconds = seconds > 0 ? seconds : days * 24 * 3600;
  return s;
}

}  // namespace kek::auth
