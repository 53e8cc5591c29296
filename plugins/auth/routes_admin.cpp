// Admin-only: invite codes (registration: invite), groups for sharing, the users (list, role,
// disable, delete).
#include "account_admin.h"
#include "avatars.h"
#include "routes.h"
#include "timestamps.h"

#include <kek/worker.h>

namespace kek::auth {
namespace {

constexpr int64_t kDefaultInviteDays = 7;

Result<Caller> require_admin(AuthContext& ctx, const HttpRequest& request) {
  auto caller = require_caller(ctx, request);
  if (!caller) return caller;
  if (!caller->user.is_admin()) return Error{"only admins may do this", 403, "admin_only"};
  return caller;
}

HttpResponse create_invite(AuthContext& ctx, const HttpRequest& request) {
  auto admin = require_admin(ctx, request);
  if (!admin) return failure(admin.error());
  auto body = parse_invite(request.body);
  if (!body) return failure(body.error());
  const int64_t valid_days = body->valid_days.value_or(kDefaultInviteDays);
  if (valid_days < 1 || valid_days > 365) return HttpResponse::error(400, "invalid_valid_days", "valid_days must be between 1 and 365");
  auto invite = ctx.invites.create(admin->user.id, valid_days * 24 * 3600);
  if (!invite) return failure(invite.error());
  return json_answer(
      [&](JsonWriter& w) {
        w.begin_object().member("code", invite->code).member("expires_at", iso8601(invite->expires_at)).end_object();
      },
      201);
}

void write_group(JsonWriter& w, const Group& group) {
  w.begin_object().member("name", group.name).key("members").begin_array();
  for (const auto& m : group.members) w.value(m);
  w.end_array().end_object();
}

HttpResponse put_group(AuthContext& ctx, const HttpRequest& request) {
  auto admin = require_admin(ctx, request);
  if (!admin) return failure(admin.error());
  auto body = parse_group(request.body);
  if (!body) return failure(body.error());
  auto group = ctx.groups.put(body->name, body->members);
  if (!group) return failure(group.error());
  return json_answer([&](JsonWriter& w) { write_group(w, *group); }, 201);
}

HttpResponse list_groups(AuthContext& ctx, const HttpRequest& request) {
  auto admin = require_admin(ctx, request);
  if (!admin) return failure(admin.error());
  auto groups = ctx.groups.list();
  if (!groups) return failure(groups.error());
  return json_answer([&](JsonWriter& w) {
    w.begin_array();
    for (const auto& g : *groups) write_group(w, g);
    w.end_array();
  });
}

HttpResponse list_users(AuthContext& ctx, const HttpRequest& request) {
  auto admin = require_admin(ctx, request);
  if (!admin) return failure(admin.error());
  auto users = ctx.users.list();
  if (!users) return failure(users.error());
  return json_answer([&](JsonWriter& w) {
    w.begin_array();
    for (const auto& u : *users) write_user(w, u);
    w.end_array();
  });
}

HttpResponse edit_user(AuthContext& ctx, const HttpRequest& request) {
  auto admin = require_admin(ctx, request);
  if (!admin) return failure(admin.error());
  auto id = id_param(request, "id");
  if (!id) return failure(id.error());
  auto change = parse_account_change(request.body);
  if (!change) return failure(change.error());
  auto user = change_account(ctx, *id, *change);
  if (!user) return failure(user.error());
  g_message("auth: %s changed account %s (role %s%s)", admin->user.username.c_str(), user->username.c_str(),
            user->role.c_str(), user->disabled ? ", disabled" : "");
  return json_answer([&](JsonWriter& w) { write_user(w, *user); });
}

HttpResponse delete_user(AuthContext& ctx, const HttpRequest& request) {
  auto admin = require_admin(ctx, request);
  if (!admin) return failure(admin.error());
  auto id = id_param(request, "id");
  if (!id) return failure(id.error());
  auto user = delete_account(ctx, *id);
  if (!user) return failure(user.error());
  g_message("auth: %s deleted account %s", admin->user.username.c_str(), user->username.c_str());
  // The avatar files go off the main loop; nothing links to them any more.
  const std::string media_dir = ctx.host.media_dir();
  const int64_t user_id = user->id;
  kek::run_in_worker([media_dir, user_id] { remove_avatars(media_dir, user_id); }, [] {});
  HttpResponse r = no_content();
  if (user_id == admin->user.id)
    r.headers.emplace_back("Set-Cookie", cleared_session_cookie(secure_cookies(ctx, request)));
  return r;
}

}  // namespace

void add_admin_routes(const ContextPtr& ctx) {
  Http& http = ctx->host.http();
  http.route("POST", "/api/admin/invites", [ctx](const HttpRequest& r) { return create_invite(*ctx, r); });
  http.route("POST", "/api/admin/groups", [ctx](const HttpRequest& r) { return put_group(*ctx, r); });
  http.route("GET", "/api/admin/groups", [ctx](const HttpRequest& r) { return list_groups(*ctx, r); });
  http.route("GET", "/api/admin/users", [ctx](const HttpRequest& r) { return list_users(*ctx, r); });
  http.route("PATCH", "/api/admin/users/{id}", [ctx](const HttpRequest& r) { return edit_user(*ctx, r); });
  http.route("DELETE", "/api/admin/users/{id}", [ctx](const HttpRequest& r) { return delete_user(*ctx, r); });
  // The core's pipeline API (/api/pipelines, /api/templates) asks the Identity service itself
  // whether the caller is an admin.
}

}  // namespace kek::auth
