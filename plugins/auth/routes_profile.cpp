// Profiles: anyone's public page data, the caller's own account, password and avatar.
#include "avatars.h"

#include <kek/services/images.h>
#include "passwords.h"
#include "routes.h"
#include "timestamps.h"
#include <kek/worker.h>

#include <gio/gio.h>

extern "C" GResource* kek_auth_get_resource(void);

namespace kek::auth {
namespace {

HttpResponse public_profile(AuthContext& ctx, const HttpRequest& request) {
  auto user = ctx.users.find_by_name(request.params.at("username"));
  if (!user) return failure(user.error());
  if (!*user) return HttpResponse::error(404, "no_such_user", "no such user");
  auto keys = ctx.stream_keys.list((*user)->id);
  if (!keys) return failure(keys.error());
  return json_answer([&](JsonWriter& w) {
    w.begin_object();
    write_public_profile(w, **user);
    // Only public streams are listed; unlisted ones are for whoever has the link.
    w.key("streams").begin_array();
    for (const auto& k : *keys)
      if (k.visibility == Visibility::public_)
        w.begin_object().member("name", k.name).member("stream", k.stream).end_object();
    w.end_array().end_object();
  });
}

HttpResponse default_avatar() {
  g_autoptr(GBytes) svg = g_resource_lookup_data(kek_auth_get_resource(), "/kek/auth/default_avatar.svg",
                                                 G_RESOURCE_LOOKUP_FLAGS_NONE, nullptr);
  HttpResponse r;
  r.content_type = "image/svg+xml";
  if (svg) {
    gsize size = 0;
    const auto* data = static_cast<const char*>(g_bytes_get_data(svg, &size));
    r.body.assign(data, size);
  }
  r.headers.emplace_back("Cache-Control", "public, max-age=3600");
  return r;
}

// A stable URL for anyone's avatar: the uploaded one (by redirect, since its URL changes with
// each upload) or the default picture.
HttpResponse user_avatar(AuthContext& ctx, const HttpRequest& request) {
  auto user = ctx.users.find_by_name(request.params.at("username"));
  if (!user) return failure(user.error());
  if (!*user || (*user)->avatar_version <= 0) return default_avatar();
  auto size = request.query.find("size");
  const int pixels = size != request.query.end() && size->second == "64" ? kAvatarSmallSize : kAvatarLargeSize;
  HttpResponse r;
  r.status = 302;
  r.content_type.clear();
  r.headers.emplace_back("Location", avatar_url(**user, pixels));
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

HttpResponse my_account(AuthContext& ctx, const HttpRequest& request) {
  auto caller = require_caller(ctx, request);
  if (!caller) return failure(caller.error());
  return json_answer([&](JsonWriter& w) { write_user(w, caller->user); });
}

HttpResponse edit_my_account(AuthContext& ctx, const HttpRequest& request) {
  auto caller = require_caller(ctx, request);
  if (!caller) return failure(caller.error());
  auto body = parse_profile(request.body);
  if (!body) return failure(body.error());
  ProfileChange change;
  struct Field {
    std::optional<std::string>* value;
    std::optional<std::string>* target;
    Status (*check)(std::string_view);
  };
  const Field fields[] = {{&body->display_name, &change.display_name, check_display_name},
                          {&body->email, &change.email, check_email},
                          {&body->bio, &change.bio, check_bio}};
  for (const auto& field : fields) {
    if (!*field.value) continue;
    if (auto s = field.check(**field.value); !s) return failure(s.error());
    *field.target = std::move(*field.value);
  }
  if (change.email && change.email->empty()) return HttpResponse::error(400, "email_required", "the email address is required");
  if (auto s = ctx.users.update_profile(caller->user.id, change); !s) return failure(s.error());
  auto user = ctx.users.find_by_id(caller->user.id);
  if (!user) return failure(user.error());
  if (!*user) return HttpResponse::error(404, "no_such_user", "no such user");
  return json_answer([&](JsonWriter& w) { write_user(w, **user); });
}

void change_my_password(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  auto caller = require_caller(*ctx, request);
  if (!caller) return respond(failure(caller.error()));
  auto body = parse_password_change(request.body);
  if (!body) return respond(failure(body.error()));
  auto* current = &body->current_password;
  auto* replacement = &body->new_password;
  if (auto s = check_password_rules(*replacement, caller->user.username); !s) return respond(failure(s.error()));

  // The current password is guessed like a login, so it counts against the same limits, and is
  // slowed down the same way.
  const int64_t now = now_seconds();
  const std::string address = limit_key(request.remote);
  if (auto wait = ctx->login_limits.address_retry_after(address, now)) return respond(too_many_attempts(*wait));
  if (const int64_t delay = ctx->login_limits.account_delay_seconds(caller->user.username, now); delay > 0)
    respond = answer_later(std::move(respond), delay);
  ctx->login_limits.record_attempt(caller->user.username, address, now);
  auto stored = ctx->users.password_hash(caller->user.id);
  if (!stored) return respond(failure(stored.error()));
  if (!*stored) return respond(HttpResponse::error(404, "no_such_user", "no such user"));

  run_in_worker<Result<std::string>>(
      [stored = **stored, current = std::move(*current), replacement = std::move(*replacement)]() -> Result<std::string> {
        if (!verify_password(stored, current)) return Error{"the current password is wrong", 403, "current_password_wrong"};
        return hash_password(replacement);
      },
      [ctx, caller = std::move(*caller), remote = address, respond](Result<std::string> hash) {
        if (!hash) return respond(failure(hash.error()));
        ctx->login_limits.record_success(caller.user.username, remote);
        if (auto s = ctx->users.set_password_hash(caller.user.id, *hash); !s) return respond(failure(s.error()));
        // Whoever knew the old password is signed out everywhere else.
        if (auto n = ctx->sessions.revoke_all_except(caller.user.id, caller.session.id); !n)
          return respond(failure(n.error()));
        g_message("auth: %s changed their password", caller.user.username.c_str());
        respond(no_content());
      });
}

bool is_accepted_image_type(const std::optional<std::string>& content_type) {
  if (!content_type) return false;
  std::string type = content_type->substr(0, content_type->find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (auto& ch : type) ch = g_ascii_tolower(ch);
  return type == "image/png" || type == "image/jpeg" || type == "image/webp";
}

void upload_my_avatar(const ContextPtr& ctx, const HttpRequest& request, HttpResponder respond) {
  auto caller = require_caller(*ctx, request);
  if (!caller) return respond(failure(caller.error()));
  if (static_cast<int64_t>(request.body.size()) > ctx->settings.avatar_max_bytes)
    return respond(HttpResponse::error(413, "avatar_too_large", "the avatar may be at most " +
                                                std::to_string(ctx->settings.avatar_max_bytes) + " bytes"));
  if (!is_accepted_image_type(request.header("content-type")))
    return respond(HttpResponse::error(400, "avatar_type_unsupported", "send the avatar as image/png, image/jpeg or image/webp"));
  if (!kek::image_type_of(request.body))
    return respond(HttpResponse::error(400, "avatar_not_decodable", "the upload does not decode as a PNG, JPEG or WebP image"));
  auto version = ctx->users.next_avatar_version(caller->user.id);
  if (!version) return respond(failure(version.error()));

  auto* images = ctx->host.services().get<kek::Images>();
  if (!images) return respond(HttpResponse::error(500, "the image service is missing"));
  const int64_t user_id = caller->user.id;
  // Decoded within the bounds of kek::Images (4096 px a side, one picture per user at a time,
  // a deadline), then stored on a worker.
  kek::ImageJob job;
  job.bytes = request.body;
  job.outputs = {{kAvatarLargeSize, kAvatarLargeSize, kek::ImageFit::cover, kek::ImageFormat::jpeg, 90},
                 {kAvatarSmallSize, kAvatarSmallSize, kek::ImageFit::cover, kek::ImageFormat::jpeg, 90}};
  job.owner = "user:" + std::to_string(user_id);
  images->process(std::move(job), [ctx, user_id, version = *version, respond](Result<kek::ImageResult> rendered) {
    if (!rendered) {
      Error refused = rendered.error();
      if (refused.reason == "image_not_decodable") refused.reason = "avatar_not_decodable";
      return respond(failure(refused));
    }
    AvatarImages avatar{std::move(rendered->encoded.at(0)), std::move(rendered->encoded.at(1))};
    run_in_worker<Status>(
      [avatar = std::move(avatar), media_dir = ctx->host.media_dir(), user_id, version]() -> Status {
        return store_avatar(media_dir, user_id, version, avatar);
      },
      [ctx, user_id, version, respond](Status stored) {
        if (!stored) return respond(failure(stored.error()));
        if (auto s = ctx->users.set_avatar_version(user_id, version); !s) return respond(failure(s.error()));
        auto user = ctx->users.find_by_id(user_id);
        if (!user) return respond(failure(user.error()));
        if (!*user) return respond(HttpResponse::error(404, "no_such_user", "no such user"));
        respond(json_answer([&](JsonWriter& w) {
          w.begin_object()
              .member("avatar_url", avatar_url(**user))
              .member("avatar_url_small", avatar_url(**user, kAvatarSmallSize))
              .end_object();
        }));
      });
  });
}

}  // namespace

void add_profile_routes(const ContextPtr& ctx) {
  Http& http = ctx->host.http();
  http.route("GET", "/api/users/{username}", [ctx](const HttpRequest& r) { return public_profile(*ctx, r); });
  http.route("GET", "/api/users/{username}/avatar", [ctx](const HttpRequest& r) { return user_avatar(*ctx, r); });
  http.route("GET", "/api/me", [ctx](const HttpRequest& r) { return my_account(*ctx, r); });
  http.route("PATCH", "/api/me", [ctx](const HttpRequest& r) { return edit_my_account(*ctx, r); });
  http.route_async("POST", "/api/me/password",
                   [ctx](const HttpRequest& r, HttpResponder respond) { change_my_password(ctx, r, std::move(respond)); });
  http.route_async("POST", "/api/me/avatar",
                   [ctx](const HttpRequest& r, HttpResponder respond) { upload_my_avatar(ctx, r, std::move(respond)); });
}

}  // namespace kek::auth
