// The history plugin: watch history, resume points, continue watching and view counts (kek
// face), and the GStreamer plugin kekhistory (no elements).
#define G_LOG_DOMAIN "kek-history"
#include "context.h"
#include "entries.h"
#include "routes_common.h"
#include "schema.h"

#include <kek/plugin.h>
#include <kek/services/identity.h>
#include <kek/services/library.h>

#include <gst/gst.h>

namespace kek::history {
namespace {

// Accounts deleted while kek was not serving (`kek users delete`): their history goes now.
void forget_deleted_accounts(const ContextPtr& ctx) {
  if (!ctx->host.services().get<Identity>()) return;  // no accounts at all: nothing to judge by
  ctx->store->read<std::vector<int64_t>>(users_with_history, [ctx](Result<std::vector<int64_t>> ids) {
    if (!ids) {
      g_warning("history: cannot list whose history is kept: %s", ids.error().message.c_str());
      return;
    }
    auto* identity = ctx->host.services().get<Identity>();
    if (!identity || !ctx->store) return;
    for (int64_t id : *ids) {
      auto user = identity->user_by_id(id);
      if (!user || *user) continue;
      g_message("history: account %" G_GINT64_FORMAT " is gone; its history is deleted", id);
      ctx->store->write([id](Database& db) { return forget_user(db, id); });
    }
  });
}

Status load_paused(const ContextPtr& ctx) {
  auto paused = paused_users(ctx->host.db());
  if (!paused) return paused.error();
  for (int64_t id : paused.value()) ctx->paused.insert(id);
  return {};
}

Status start(const ContextPtr& ctx) {
  auto store = Store::start(ctx->host.db(), write_position);
  if (!store) return store.error();
  ctx->store = std::move(*store);
  // Who paused their history: known before the first heartbeat is answered.
  if (auto s = load_paused(ctx); !s) return s;
  forget_deleted_accounts(ctx);
  return {};
}

Status init(Host& host) {
  auto settings = read_settings(host.args());
  if (!settings) return settings.error();
  host.add_migrations(schema_migrations());
  auto ctx = std::make_shared<HistoryContext>(host, *settings);
  add_position_routes(ctx);
  add_list_routes(ctx);
  add_live_routes(ctx);
  add_view_routes(ctx);
  host.events().subscribe(kEventUserDeleted, [ctx](const Event& e) {
    const int64_t id = g_ascii_strtoll(e.get("id").c_str(), nullptr, 10);
    if (id <= 0 || !ctx->store) return;
    ctx->paused.erase(id);
    ctx->store->write([id](Database& db) { return forget_user(db, id); });
  });
  host.events().subscribe(kEventLibraryDeleted, [ctx](const Event& e) {
    const std::string id = e.get("id");
    if (id.empty() || !ctx->store) return;
    ctx->film_cache.forget(id);
    ctx->store->write([id](Database& db) { return forget_film(db, id); });
  });
  host.on_start([ctx] { return start(ctx); });
  host.on_stop([ctx] {
    if (!ctx->store) return;
    ctx->store->stop();
    // How well heartbeats shared commits (bench/history_heartbeats.sh reads this line).
    const auto c = ctx->store->counters();
    g_message("history: %" G_GUINT64_FORMAT " heartbeats written in %" G_GUINT64_FORMAT
              " transactions, %" G_GUINT64_FORMAT " merged into a queued one",
              c.reports_written, c.transactions, c.reports_coalesced);
  });
  return {};
}

gboolean register_elements(GstPlugin*) { return TRUE; }

}  // namespace
}  // namespace kek::history

KEK_PLUGIN(history, KEK_VERSION, "Watch history: resume where you stopped, continue watching, view counts",
           kek::history::init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekhistory, "KEK watch history (no elements)",
                  kek::history::register_elements, KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
