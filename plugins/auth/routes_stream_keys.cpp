// The caller's stream keys: create (the key is shown once), list (hints only), rename, change
// who may watch and whether it is recorded, regenerate, revoke.
#include "routes.h"

namespace kek::auth {
namespace {

HttpResponse key_with_secret(const CreatedStreamKey& created, int status) {
  return json_answer(
      [&](JsonWriter& w) {
        w.begin_object();
        write_stream_key(w, created.key);
        w.member("key", created.secret).end_object();
      },
      status);
}

HttpResponse list_keys(AuthContext& ctx, const HttpRequest& request) {
  auto caller = require_caller(ctx, request);
  if (!caller) return failure(caller.error());
  auto keys = ctx.stream_keys.list(caller->user.id);
  if (!keys) return failure(keys.error());
  return json_answer([&](JsonWriter& w) {
    w.begin_array();
    for (const auto& k : *keys) {
      w.begin_object();
      write_stream_key(w, k);
      w.end_object();
    }
    w.end_array();
  });
}

HttpResponse create_key(AuthContext& ctx, const HttpRequest& request) {
  auto caller = require_caller(ctx, request);
  if (!caller) return failure(caller.error());
  auto body = parse_stream_key(request.body);
  if (!body) return failure(body.error());
  auto created = ctx.stream_keys.create(caller->user, body->name, body->visibility.value_or(Visibility::public_),
                                        body->record.value_or(false));
  if (!created) return failure(created.error());
  return key_with_secret(*created, 201);
}

HttpResponse regenerate_key(AuthContext& ctx, const HttpRequest& request) {
  auto caller = require_caller(ctx, request);
  if (!caller) return failure(caller.error());
  auto id = id_param(request, "id");
  if (!id) return failure(id.error());
  auto created = ctx.stream_keys.regenerate(caller->user.id, *id);
  if (!created) return failure(created.error());
  return key_with_secret(*created, 200);
}

HttpResponse edit_key(AuthContext& ctx, const HttpRequest& request) {
  auto caller = require_caller(ctx, request);
  if (!caller) return failure(caller.error());
  auto id = id_param(request, "id");
  if (!id) return failure(id.error());
  auto change = parse_stream_key_change(request.body);
  if (!change) return failure(change.error());
  auto key = ctx.stream_keys.update(caller->user.id, *id, *change);
  if (!key) return failure(key.error());
  return json_answer([&](JsonWriter& w) {
    w.begin_object();
    write_stream_key(w, *key);
    w.end_object();
  });
}

HttpResponse revoke_key(AuthContext& ctx, const HttpRequest& request) {
  auto caller = require_caller(ctx, request);
  if (!caller) return failure(caller.error());
  auto id = id_param(request, "id");
  if (!id) return failure(id.error());
  auto revoked = ctx.stream_keys.revoke(caller->user.id, *id);
  if (!revoked) return failure(revoked.error());
  if (!*revoked) return HttpResponse::error(404, "no_such_stream_key", "no such stream key");
  return no_content();
}

}  // namespace

void add_stream_key_routes(const ContextPtr& ctx) {
  Http& http = ctx->host.http();
  http.route("GET", "/api/me/stream-keys", [ctx](const HttpRequest& r) { return list_keys(*ctx, r); });
  http.route("POST", "/api/me/stream-keys", [ctx](const HttpRequest& r) { return create_key(*ctx, r); });
  http.route("POST", "/api/me/stream-keys/{id}/regenerate", [ctx](const HttpRequest& r) { return regenerate_key(*ctx, r); });
  http.route("PATCH", "/api/me/stream-keys/{id}", [ctx](const HttpRequest& r) { return edit_key(*ctx, r); });
  http.route("DELETE", "/api/me/stream-keys/{id}", [ctx](const HttpRequest& r) { return revoke_key(*ctx, r); });
}

}  // namespace kek::auth
