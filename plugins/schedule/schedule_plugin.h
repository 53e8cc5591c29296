// What the schedule plugin's parts share: the host, its settings and tables, the services it
// asks (accounts, the library, stream keys, live streams), and the scheduler that starts
// premieres on time.
#pragma once

#include "event.h"
#include "event_store.h"
#include "settings.h"
#include "store_queue.h"

#include <kek/browser_events.h>
#include <kek/host.h>
#include <kek/services/identity.h>
#include <kek/services/library.h>
#include <kek/services/live_streams.h>
#include <kek/services/media_access.h>
#include <kek/services/poster.h>
#include <kek/services/stream_keys.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace kek::schedule {

struct SchedulePlugin;

// Arms one timer for the next moment something is due (a premiere's start, an event's start,
// the end of a live event's window) and does it then; event bus news (a stream starts, a film
// is deleted, a pipeline ends) is handled as it comes. Main loop only.
class Scheduler {
 public:
  explicit Scheduler(SchedulePlugin& plugin) : p_(plugin) {}
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // At start: policies for every coming event, premieres already due started (a restart during
  // one resumes it), the timer armed, the bus subscribed.
  Status start();
  void stop();
  // Something changed (an event was added, moved, cancelled or deleted): look again.
  void changed();
  // A premiere that must not play (cancelled, deleted): its pipeline stopped, its listing gone.
  void halt(const std::string& event_id);
  // Whether an event's premiere pipeline is running now.
  bool running(const std::string& event_id) const { return running_.count(event_id) > 0; }

 private:
  void arm();
  void wake();
  void start_premiere(const Event& e);
  void started(const Event& e);
  void on_stream_started(const std::string& stream);
  void on_item_deleted(const std::string& item_id);
  void on_user_deleted(int64_t user_id);
  void on_pipeline_state(const std::string& id, const std::string& state);
  void notify_start(const Event& e);
  // Its stream went live now: remembered in the store (off the main loop) and in `e`.
  void mark_live(Event& e);

  SchedulePlugin& p_;
  guint timer_ = 0;
  guint idle_ = 0;
  std::vector<uint64_t> subscriptions_;
  std::set<std::string> running_;        // premieres whose pipeline we started
  std::set<std::string> starting_;       // premieres reading their film's master (a worker)
  std::set<std::string> start_notified_; // events whose start was announced to browsers
};

// kek::Poster: the channel page's "next on the poster" (next_on_poster.cpp).
class PosterLookup final : public Poster {
 public:
  explicit PosterLookup(SchedulePlugin& plugin) : p_(plugin) {}
  void next_of(int64_t owner_id, const std::optional<UserIdentity>& viewer, NextDone done) override;

 private:
  SchedulePlugin& p_;
};

struct SchedulePlugin {
  Host& host;
  const Settings settings;
  EventStore store;   // small reads by id, on the main loop
  StoreQueue queue;   // writes and listings, off it (opened at start)
  Scheduler scheduler;
  PosterLookup poster;  // provided as kek::Poster

  SchedulePlugin(Host& h, Settings s)
      : host(h), settings(std::move(s)), store([this]() -> Database& { return host.db(); }), scheduler(*this), poster(*this) {}

  Identity* identity() const { return host.services().get<Identity>(); }
  Library* library() const { return host.services().get<Library>(); }
  StreamKeys* keys() const { return host.services().get<StreamKeys>(); }
  LiveStreams* live() const { return host.services().get<LiveStreams>(); }
  LiveAnnouncements* announcements() const { return host.services().get<LiveAnnouncements>(); }
  MediaAccess* media() const { return host.services().get<MediaAccess>(); }
  BrowserEvents* browsers() const { return host.services().get<BrowserEvents>(); }

  // Where an event's access policy lives: its premiere's stream ("live/premiere-<id>/"), or a
  // prefix of its own for a live event ("poster/<id>/", never served). THE listing check is
  // Identity::may_view on it; an event opened by its link, may_open.
  static std::string media_prefix(const Event& e);
  // Who may see the event: its source's policy (the film's, the stream key's) at the stricter
  // of the two visibilities. Set at every change and at start.
  void apply_policy(const Event& e);
  bool may_list(const std::optional<UserIdentity>& user, const Event& e);
  bool may_open(const std::optional<UserIdentity>& user, const Event& e);
  // Whether a listing (GET /api/poster, a channel's next event) shows it to `user`: may_list,
  // and unlisted events only to their owner and admins (the link is theirs to give).
  bool listed_for(const std::optional<UserIdentity>& user, const Event& e);
  // Whether the live event's key publishes now.
  bool stream_live(const Event& e) const;
  Phase phase(const Event& e, int64_t now) const { return phase_of(e, now, e.kind == Kind::live && stream_live(e)); }
  // Marks it cancelled with the reason (SEQUENCE bumped) in the store, then stops its premiere
  // and tells browsers; done (optional) with the event as it is now (none: deleted meanwhile).
  using EventDone = std::function<void(Result<std::optional<Event>>)>;
  void cancel(const Event& e, const std::string& reason, EventDone done = {});
  // "poster.changed" {id} to whoever may see the event (pages showing it reload it).
  void tell_changed(const Event& e, const char* name = "poster.changed");
};

void add_routes(const std::shared_ptr<SchedulePlugin>& plugin);

int64_t unix_now();

}  // namespace kek::schedule
