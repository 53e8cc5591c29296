// Registration, login, logout, the current session and the list of sessions.
#include "passwords.h"
#include "routes.h"
#include "timestamps.h"
#include <kek/worker.h>


namespace kek::auth {
namespace {

const char* kWrongCredentials = "wrong username or password";

struct RegistrationForm {
  std::string username;
  std::string email;
  std::string password;
  std::optional<std::string> invite;
};

Result<RegistrationForm> read_registration(const AuthContext& ctx, const HttpRequest& request) {
  auto body = parse_registration(request.body);
  if (!body) return body.error();
  RegistrationForm r{std::move(body->username), std::move(body->email), std::move(body->password), std::move(body->invite)};

  switch (ctx.settings.registration) {
    case Registration::open: break;
    case Registration::closed: return Error{"registration is closed; ask an admin for an account", 403, "registration_closed"};
    case Registration::invite:
      if (!r.invite || r.invite->empty()) return Error{"registration needs an invite code", 403, "invite_required"};
      break;
  }
  if (auto s = check_username(r.username); !s) return s.error();
  if (r.email.empty()) return Error{"the email address is required", 400, "email_required"};
  if (auto s = check_email(r.email); !s) return s.error();
  if (auto s = check_password_rules(r.password, r.username); !s) return s.error();
  return r;
}

void register_user(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  auto form = read_registration(*ctx, request);
  if (!form) return respond(failure(form.error()));
  // Counted from the start, so a burst in parallel cannot slip past while the hashes run; a
  // registration that fails later is taken back. The limit comes before the name is looked up,
  // and a taken name counts: "taken" answers cannot list the accounts faster than sign-ups could.
  const int64_t now = now_seconds();
  if (auto wait = ctx->registrations.retry_after(request.remote, now)) {
    g_message("auth: registration from %s refused: too many attempts from this address", request.remote.c_str());
    return respond(too_many_attempts(*wait));
  }
  ctx->registrations.record_failure(request.remote, now);
  // A taken name is refused before the slow hash; the unique index decides the race later.
  auto existing = ctx->users.find_by_name(form->username);
  if (!existing) {
    ctx->registrations.forget_latest(request.remote);
    return respond(failure(existing.error()));
  }
  if (*existing) return respond(HttpResponse::error(409, "username_taken", "the user name '" + form->username + "' is taken"));

  std::string password = std::move(form->password);
  run_in_worker<Result<std::string>>(
      [password] { return hash_password(password); },
      [ctx, form = std::move(*form), client = without_body(request), respond](Result<std::string> hash) {
        if (!hash) {
          ctx->registrations.forget_latest(client.remote);
          return respond(failure(hash.error()));
        }
        std::optional<User> created;
        Status done = ctx->host.db().transaction([&]() -> Status {
          auto user = ctx->users.create({form.username, form.email, *hash, kRoleUser});
          if (!user) return user.error();
          if (ctx->settings.registration == Registration::invite)
            if (auto s = ctx->invites.redeem(*form.invite, user->id); !s) return s;
          created = std::move(*user);
          return {};
        });
        if (!done) {
          ctx->registrations.forget_latest(client.remote);
          return respond(failure(done.error()));
        }
        auto session = ctx->sessions.create(created->id, client);
        if (!session) return respond(failure(session.error()));
        g_message("auth: %s registered", created->username.c_str());
        respond(signed_in_answer(*ctx, client, *created, *session, 201));
      });
}

void log_in(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  auto body = parse_login(request.body);
  if (!body) return respond(failure(body.error()));
  auto* username = &body->username;
  auto* password = &body->password;

  const int64_t now = now_seconds();
  const std::string address = limit_key(request.remote);
  if (auto wait = ctx->login_limits.address_retry_after(address, now)) {
    g_message("auth: login for '%s' from %s refused: too many failures from there", username->c_str(),
              request.remote.c_str());
    return respond(too_many_attempts(*wait));
  }
  // The account's own failures slow its logins down and never lock its owner out.
  if (const int64_t delay = ctx->login_limits.account_delay_seconds(*username, now); delay > 0) {
    g_message("auth: login for '%s' from %s answered in %lld s: failures on the account", username->c_str(),
              request.remote.c_str(), static_cast<long long>(delay));
    respond = answer_later(std::move(respond), delay);
  }
  ctx->login_limits.record_attempt(*username, address, now);

  auto user = ctx->users.find_by_name(*username);
  if (!user) return respond(failure(user.error()));
  std::string stored = decoy_password_hash();
  if (*user) {
    auto hash = ctx->users.password_hash((*user)->id);
    if (!hash) return respond(failure(hash.error()));
    if (*hash) stored = **hash;
  }
  run_in_worker<bool>(
      [stored, password = std::move(*password)] { return verify_password(stored, password); },
      [ctx, user = std::move(*user), username = *username, client = without_body(request), respond](bool matches) {
        if (!user || !matches) return respond(HttpResponse::error(401, "wrong_credentials", kWrongCredentials));
        // Told only to whoever knows the password.
        if (user->disabled)
          return respond(HttpResponse::error(403, "account_disabled", "this account is disabled; ask an admin"));
        ctx->login_limits.record_success(username, limit_key(client.remote));
        auto session = ctx->sessions.create(user->id, client);
        if (!session) return respond(failure(session.error()));
        respond(signed_in_answer(*ctx, client, *user, *session, 200));
      });
}

HttpResponse log_out(AuthContext& ctx, const HttpRequest& request) {
  auto caller = find_caller(ctx, request);
  if (!caller) return failure(caller.error());
  if (*caller) {
    if (auto r = ctx.sessions.revoke((*caller)->user.id, (*caller)->session.id); !r) return failure(r.error());
  }
  HttpResponse r = no_content();
  r.headers.emplace_back("Set-Cookie", cleared_session_cookie(secure_cookies(ctx, request)));
  return r;
}

HttpResponse current_session(AuthContext& ctx, const HttpRequest& request) {
  auto caller = find_caller(ctx, request);
  if (!caller) return failure(caller.error());
  HttpResponse r = json_answer([&](JsonWriter& w) {
    w.begin_object().key("user");
    if (*caller) write_user(w, (*caller)->user);
    else w.null();
    // Requests without a session need no CSRF token; the SPA gets one with its session.
    w.member("csrf_token", *caller ? (*caller)->session.csrf_token : std::string()).end_object();
  });
  r.headers.emplace_back("Cache-Control", "no-store");
  // A cookie that names no live session is stale: tell the browser to drop it.
  if (!*caller && request.cookie(kSessionCookie))
    r.headers.emplace_back("Set-Cookie", cleared_session_cookie(secure_cookies(ctx, request)));
  return r;
}

HttpResponse list_sessions(AuthContext& ctx, const HttpRequest& request) {
  auto caller = require_caller(ctx, request);
  if (!caller) return failure(caller.error());
  auto sessions = ctx.sessions.list(caller->user.id);
  if (!sessions) return failure(sessions.error());
  return json_answer([&](JsonWriter& w) {
    w.begin_array();
    for (const auto& s : *sessions)
      w.begin_object()
          .member("id", s.id)
          .member("created_at", iso8601(s.created_at))
          .member("last_seen_at", iso8601(s.last_seen_at))
          .member("expires_at", iso8601(s.expires_at))
          .member("user_agent", s.user_agent)
          .member("remote", s.remote)
          .member("current", s.id == caller->session.id)
          .end_object();
    w.end_array();
  });
}

HttpResponse revoke_session(AuthContext& ctx, const HttpRequest& request) {
  auto caller = require_caller(ctx, request);
  if (!caller) return failure(caller.error());
  auto id = id_param(request, "id");
  if (!id) return failure(id.error());
  auto revoked = ctx.sessions.revoke(caller->user.id, *id);
  if (!revoked) return failure(revoked.error());
  if (!*revoked) return HttpResponse::error(404, "no_such_session", "no such session");
  HttpResponse r = no_content();
  if (*id == caller->session.id)
    r.headers.emplace_back("Set-Cookie", cleared_session_cookie(secure_cookies(ctx, request)));
  return r;
}

HttpResponse revoke_other_sessions(AuthContext& ctx, const HttpRequest& request) {
  auto caller = require_caller(ctx, request);
  if (!caller) return failure(caller.error());
  auto n = ctx.sessions.revoke_all_except(caller->user.id, caller->session.id);
  if (!n) return failure(n.error());
  return json_answer([&](JsonWriter& w) { w.begin_object().member("revoked", *n).end_object(); });
}

}  // namespace

void add_account_routes(const ContextPtr& ctx) {
  Http& http = ctx->host.http();
  http.route_async("POST", "/api/auth/register",
                   [ctx](const HttpRequest& r, HttpResponder respond) { register_user(ctx, r, std::move(respond)); });
  http.route_async("POST", "/api/auth/login",
                   [ctx](const HttpRequest& r, HttpResponder respond) { log_in(ctx, r, std::move(respond)); });
  http.route("POST", "/api/auth/logout", [ctx](const HttpRequest& r) { return log_out(*ctx, r); });
  http.route("GET", "/api/auth/session", [ctx](const HttpRequest& r) { return current_session(*ctx, r); });
  http.route("GET", "/api/auth/sessions", [ctx](const HttpRequest& r) { return list_sessions(*ctx, r); });
  http.route("DELETE", "/api/auth/sessions/{id}", [ctx](const HttpRequest& r) { return revoke_session(*ctx, r); });
  http.route("POST", "/api/auth/sessions/revoke-others",
             [ctx](const HttpRequest& r) { return revoke_other_sessions(*ctx, r); });
}

}  // namespace kek::auth
