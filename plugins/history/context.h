// Everything the history plugin keeps while kek runs, shared by its routes and event handlers
// (through a shared_ptr each captures; nothing is global). Main loop only, except the Store's
// own thread behind it.
#pragma once

#include "films.h"
#include "live_streams.h"
#include "rate_limit.h"
#include "settings.h"
#include "store.h"
#include "views.h"

#include <kek/host.h>

#include <memory>
#include <unordered_set>

namespace kek::history {

struct HistoryContext {
  HistoryContext(Host& h, Settings s)
      : host(h),
        settings(s),
        heartbeats(static_cast<double>(s.heartbeats_per_minute), static_cast<double>(s.heartbeat_burst)),
        views(s.views),
        live(h.services()),
        films(catalogue_films(h.services())),
        film_cache(*films) {}
  HistoryContext(const HistoryContext&) = delete;
  HistoryContext& operator=(const HistoryContext&) = delete;

  Host& host;
  const Settings settings;
  std::unique_ptr<Store> store;  // from on_start (after the migrations) to on_stop
  RateLimiter heartbeats;
  ViewCounter views;
  StreamDirectory live;
  std::unique_ptr<Films> films;
  FilmCache film_cache;
  std::unordered_set<int64_t> paused;  // users whose history is paused (loaded at start)
};
using ContextPtr = std::shared_ptr<HistoryContext>;

void add_position_routes(const ContextPtr& ctx);
void add_list_routes(const ContextPtr& ctx);
void add_live_routes(const ContextPtr& ctx);
void add_view_routes(const ContextPtr& ctx);

}  // namespace kek::history
