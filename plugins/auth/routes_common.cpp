#include "routes_common.h"

#include <kek/address_key.h>
#include <kek/worker.h>

#include <gio/gio.h>
#include <glib.h>

#include <cstdlib>
#include <memory>

namespace kek::auth {

Result<std::optional<Caller>> find_caller(AuthContext& ctx, const HttpRequest& request) {
  auto session = ctx.sessions.find(request);
  if (!session) return session.error();
  if (!*session) return std::optional<Caller>{};
  auto user = ctx.users.find_by_id((*session)->user_id);
  if (!user) return user.error();
  if (!*user || (*user)->disabled) return std::optional<Caller>{};
  return std::optional<Caller>{Caller{std::move(**user), std::move(**session)}};
}

Result<Caller> require_caller(AuthContext& ctx, const HttpRequest& request) {
  auto caller = find_caller(ctx, request);
  if (!caller) return caller.error();
  if (!*caller) return Error{"sign in first", 401};
  return std::move(**caller);
}

Viewer viewer_of(AuthContext& ctx, const User& user) {
  const int64_t user_id = user.id;
  return Viewer{user_id, [&ctx, user_id](const std::string& group) {
                  auto member = ctx.groups.is_member(group, user_id);
                  return member.ok() && *member;
                }};
}

Result<int64_t> id_param(const HttpRequest& request, const std::string& name) {
  auto it = request.params.find(name);
  const Error missing{"not found", 404};
  if (it == request.params.end() || it->second.empty() || it->second.size() > 18) return missing;
  for (char ch : it->second)
    if (!g_ascii_isdigit(ch)) return missing;
  const int64_t id = std::strtoll(it->second.c_str(), nullptr, 10);
  if (id <= 0) return missing;
  return id;
}

HttpResponse json_answer(const std::function<void(JsonWriter&)>& write, int status) {
  JsonWriter w;
  write(w);
  return HttpResponse::json(w.str(), status);
}

HttpResponse no_content() {
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

HttpResponse too_many_attempts(int64_t retry_after_seconds) {
  HttpResponse r = HttpResponse::error(429, "too_many_attempts", "too many attempts; try again later");
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return r;
}

std::string limit_key(const std::string& remote) {
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string(remote.c_str());
  return address ? kek::address_key(address) : remote;
}

HttpResponder answer_later(HttpResponder respond, int64_t seconds) {
  const int64_t due_us = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
  return [respond = std::move(respond), due_us](HttpResponse response) {
    const int64_t left_ms = (due_us - g_get_monotonic_time()) / 1000;
    if (left_ms <= 0) return respond(std::move(response));
    kek::run_later(static_cast<guint>(left_ms),
                   [respond, response = std::move(response)]() mutable { respond(std::move(response)); });
  };
}

HttpRequest without_body(const HttpRequest& request) {
  HttpRequest copy;
  copy.method = request.method;
  copy.path = request.path;
  copy.headers = request.headers;
  copy.remote = request.remote;
  copy.secure = request.secure;
  return copy;
}

bool secure_cookies(const AuthContext& ctx, const HttpRequest& request) {
  return ctx.settings.secure_cookies || request.secure;
}

HttpResponse signed_in_answer(AuthContext& ctx, const HttpRequest& request, const User& user,
                              const NewSession& session, int status) {
  HttpResponse r = json_answer(
      [&](JsonWriter& w) {
        w.begin_object().key("user");
        write_user(w, user);
        w.member("csrf_token", session.session.csrf_token).end_object();
      },
      status);
  r.headers.emplace_back("Set-Cookie", session_cookie(session.token, ctx.settings.session_seconds,
                                                      secure_cookies(ctx, request)));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse failure(const Error& error) {
  if (error.code >= 500) g_warning("auth: %s", error.message.c_str());
  // Database details are for the log, not for the client.
  return HttpResponse::error(error.code, error.code >= 500 ? "internal" : error_code_of(error),
                             error.code >= 500 ? "internal error" : error.message);
}

}  // namespace kek::auth
