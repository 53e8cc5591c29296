// The auth plugin: accounts, sessions, CSRF, avatars, stream keys and private media (issue 5).
// init wires the parts together; everything it makes lives in one AuthContext that the
// routes, guards, commands and services share.
#define G_LOG_DOMAIN "kek-auth"
#include "commands.h"
#include "routes_common.h"
#include "routes.h"
#include "schema.h"
#include "secrets.h"

#include <kek/plugin.h>

#include <gst/gst.h>

namespace {

kek::Status init(kek::Host& host) {
  if (auto s = kek::auth::init_crypto(); !s) return s;
  auto settings = kek::auth::read_settings(host.args());
  if (!settings) return settings.error();
  auto ctx = std::make_shared<kek::auth::AuthContext>(host, *settings);
  // A signed URL is checked at each use against its signer as they are now. The raw pointer
  // is safe: the service lives inside ctx, which the host keeps alive.
  ctx->media.set_signer_lookup([raw = ctx.get()](int64_t user_id) -> std::optional<kek::auth::Signer> {
    auto user = raw->users.find_by_id(user_id);
    if (!user || !*user) return std::nullopt;
    return kek::auth::Signer{kek::auth::viewer_of(*raw, **user), (*user)->tokens_not_before};
  });

  ctx->media.set_media_root(host.media_dir());
  host.add_migrations(kek::auth::schema_migrations());

  kek::auth::add_csrf_guard(ctx);
  kek::auth::add_account_routes(ctx);
  kek::auth::add_profile_routes(ctx);
  kek::auth::add_stream_key_routes(ctx);
  kek::auth::add_admin_routes(ctx);
  kek::auth::add_media_routes(ctx);

  // The routes hold ctx for as long as the host runs, which keeps these objects alive too.
  host.services().provide<kek::PublishAuthorizer>(&ctx->authorizer);
  host.services().provide<kek::MediaAccess>(&ctx->media);
  host.services().provide<kek::Identity>(&ctx->identity);
  host.services().provide<kek::StreamKeys>(&ctx->key_directory);

  host.add_command("users", kek::auth::kUsersCommandHelp,
                   [ctx](const std::vector<std::string>& args) { return kek::auth::run_users_command(*ctx, args); });

  host.on_start([ctx]() -> kek::Status {
    auto secret = kek::auth::load_or_create_secret(ctx->host.data_dir(), "media.key", 32);
    if (!secret) return secret.error();
    ctx->media.set_secret(std::move(*secret));
    if (auto s = ctx->stream_keys.install_policies(); !s) return s;
    // Argon2 once here, on the main loop, before anything is served: acceptable at start-up.
    return kek::auth::ensure_admin_exists(*ctx);
  });
  return {};
}

gboolean register_elements(GstPlugin*) { return TRUE; }

}  // namespace

KEK_PLUGIN(auth, KEK_VERSION, "Accounts, sessions, stream keys and private media", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekauth, "KEK accounts and access control", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
