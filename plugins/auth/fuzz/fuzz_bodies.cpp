// Fuzz target: every JSON body the account API reads (login, registration, password, profile,
// stream keys, invites, groups, an admin's account change, signed media URLs, the CSRF beacon), on arbitrary bytes. Never
// crashes; a body that parses, written back as JSON, parses to the same fields again.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bodies.h"

namespace {

template <class T>
void same_or_abort(const T& a, const T& b) {
  if (!(a == b)) std::abort();
}

std::string registration_json(const kek::auth::RegistrationBody& r) {
  kek::JsonWriter w;
  w.begin_object().member("username", r.username).member("email", r.email).member("password", r.password);
  if (r.invite) w.member("invite", *r.invite);
  w.end_object();
  return w.str();
}

std::string change_json(const kek::auth::StreamKeyChange& c) {
  kek::JsonWriter w;
  w.begin_object();
  if (c.name) w.member("name", *c.name);
  if (c.record) w.member("record", *c.record);
  if (c.allowed) {
    w.key("allowed").begin_array();
    for (const auto& a : *c.allowed) w.value(a);
    w.end_array();
  }
  w.end_object();
  return w.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kek::auth;
  const std::string body(reinterpret_cast<const char*>(data), size);
  (void)parse_login(body);
  (void)parse_password_change(body);
  (void)parse_profile(body);
  (void)parse_stream_key(body);
  (void)parse_invite(body);
  (void)parse_group(body);
  (void)parse_sign(body);
  (void)parse_account_change(body);
  (void)beacon_csrf_token(body);
  if (auto r = parse_registration(body)) {
    auto again = parse_registration(registration_json(*r));
    if (!again) std::abort();
    same_or_abort(again->username, r->username);
    same_or_abort(again->email, r->email);
    same_or_abort(again->password, r->password);
    same_or_abort(again->invite, r->invite);
  }
  if (auto c = parse_stream_key_change(body)) {
    auto again = parse_stream_key_change(change_json(*c));
    if (!again) std::abort();
    same_or_abort(again->name, c->name);
    same_or_abort(again->record, c->record);
    same_or_abort(again->allowed, c->allowed);
  }
  return 0;
}
