// The scheduler: premieres started on time (a pipeline each, a little early so that the first
// frame is on the second), reminders sent when events start, live events marked live when their
// key publishes inside their window, and what the event bus says acted on.
#include "premiere_template.h"
#include "schedule_plugin.h"

#include <kek/json.h>
#include <kek/worker.h>

#include <glib.h>

#include <algorithm>

namespace kek::schedule {
namespace {

int64_t now_ms() { return g_get_real_time() / 1000; }

std::string read_small_file(const std::string& path) {
  g_autofree char* text = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(path.c_str(), &text, &len, nullptr)) return {};
  return std::string(text, len);
}

// "/media/vod/ID/stream/720p/index.m3u8" -> "stream/720p/index.m3u8" (relative to the item's folder).
std::string relative_to_item(const LibraryItemInfo& item, const std::string& url) {
  const std::string prefix = "/media/" + item.media_prefix;
  if (url.rfind(prefix, 0) != 0) return {};
  std::string rel = url.substr(prefix.size());
  size_t q = rel.find('?');
  if (q != std::string::npos) rel.resize(q);
  if (rel.find("..") != std::string::npos) return {};
  return rel;
}

void warn_if_failed(Status s) {
  if (!s) g_warning("schedule: %s", s.error().message.c_str());
}

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string last_part(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Scheduler::~Scheduler() { stop(); }

Status Scheduler::start() {
  auto& bus = p_.host.events();
  subscriptions_.push_back(bus.subscribe(kEventStreamStarted, [this](const kek::Event& e) { on_stream_started(e.get("stream")); }));
  subscriptions_.push_back(bus.subscribe(kEventLibraryDeleted, [this](const kek::Event& e) { on_item_deleted(e.get("id")); }));
  subscriptions_.push_back(bus.subscribe(kEventUserDeleted, [this](const kek::Event& e) {
    on_user_deleted(g_ascii_strtoll(e.get("id").c_str(), nullptr, 10));
  }));
  subscriptions_.push_back(bus.subscribe(kEventPipelineStateChanged, [this](const kek::Event& e) {
    on_pipeline_state(e.get("id"), e.get("state"));
  }));
  auto events = p_.store.not_over_after(unix_now() - p_.settings.feed_past_days * 86400);
  if (!events) return events.error();
  auto* identity = p_.identity();
  for (const auto& e : *events) {
    // An account deleted while kek was not serving (kek users delete runs offline).
    if (identity && e.owner_id > 0) {
      auto owner = identity->user_by_id(e.owner_id);
      if (owner && !*owner) {
        on_user_deleted(e.owner_id);
        continue;
      }
    }
    p_.apply_policy(e);
    // A restart after an event began does not remind anyone again.
    if (e.starts_at + 60 <= unix_now()) start_notified_.insert(e.id);
  }
  wake();
  return {};
}

void Scheduler::stop() {
  if (timer_) g_source_remove(timer_);
  timer_ = 0;
  if (idle_) g_source_remove(idle_);
  idle_ = 0;
  for (auto id : subscriptions_) p_.host.events().unsubscribe(id);
  subscriptions_.clear();
}

void Scheduler::changed() {
  // Later on the main loop: a change made while handling a moment does not re-enter it.
  if (idle_) return;
  idle_ = g_idle_add(
      [](gpointer self) -> gboolean {
        auto* s = static_cast<Scheduler*>(self);
        s->idle_ = 0;
        s->wake();
        return G_SOURCE_REMOVE;
      },
      this);
}

void Scheduler::arm() {
  if (timer_) g_source_remove(timer_);
  timer_ = 0;
  const int64_t now = now_ms();
  int64_t next = now + 3600 * 1000;  // look again hourly whatever happens
  auto events = p_.store.not_over_after(now / 1000);
  if (!events) {
    g_warning("schedule: %s", events.error().message.c_str());
  } else {
    for (const auto& e : *events) {
      std::vector<int64_t> moments = {e.starts_at * 1000, (e.ends_at() + 1) * 1000,
                                      (e.ends_at() + kLiveGraceS + 1) * 1000};
      if (e.kind == Kind::premiere) moments.push_back(e.starts_at * 1000 - p_.settings.lead_ms);
      for (int64_t m : moments)
        if (m > now) next = std::min(next, m);
    }
  }
  const int64_t delay = std::max<int64_t>(0, next - now);
  timer_ = g_timeout_add_full(G_PRIORITY_HIGH, static_cast<guint>(delay),
                              [](gpointer self) -> gboolean {
                                auto* s = static_cast<Scheduler*>(self);
                                s->timer_ = 0;
                                s->wake();
                                return G_SOURCE_REMOVE;
                              },
                              this, nullptr);
}

void Scheduler::wake() {
  const int64_t now = now_ms();
  auto events = p_.store.not_over_after(now / 1000);
  if (!events) {
    g_warning("schedule: %s", events.error().message.c_str());
    arm();
    return;
  }
  for (auto& e : *events) {
    if (e.kind == Kind::premiere) {
      const bool due = now >= e.starts_at * 1000 - p_.settings.lead_ms && now < e.ends_at() * 1000;
      if (due && !running(e.id) && !starting_.count(e.id)) start_premiere(e);
      // A film that should have ended (its EOS never came): the pipeline goes.
      if (now >= (e.ends_at() + 15) * 1000 && running(e.id)) halt(e.id);
    }
    if (now >= e.starts_at * 1000 && !start_notified_.count(e.id)) started(e);
  }
  arm();
}

// An event's start time came: premieres are on; a live event is live if its key publishes.
void Scheduler::started(const Event& e) {
  if (e.kind == Kind::premiere) {
    notify_start(e);
    return;
  }
  if (!p_.stream_live(e)) return;  // its stream.started will say when
  Event live = e;
  if (!live.live_since) mark_live(live);
  notify_start(live);
}

void Scheduler::mark_live(Event& e) {
  e.live_since = unix_now();
  p_.queue.write([id = e.id, since = *e.live_since](EventStore& s) { return s.mark_live(id, since); }, warn_if_failed);
}

void Scheduler::notify_start(const Event& e) {
  start_notified_.insert(e.id);
  p_.tell_changed(e, "poster.live");
  auto* browsers = p_.browsers();
  auto users = p_.store.reminded_users(e.id);
  if (!browsers || !users) return;
  JsonWriter w;
  w.begin_object()
      .member("id", e.id)
      .member("kind", to_string(e.kind))
      .member("title", e.title)
      .member("page", "/poster/" + e.id)
      .end_object();
  const std::string data = w.str();
  auto* identity = p_.identity();
  for (int64_t user_id : *users) {
    if (identity) {
      auto user = identity->user_by_id(user_id);
      if (!user || !*user || !p_.may_open(*user, e)) continue;
    }
    BrowserAudience audience;
    audience.user_id = user_id;
    browsers->publish({"poster.reminder", data, audience});
  }
}

void Scheduler::start_premiere(const Event& e) {
  auto* library = p_.library();
  if (!library) {
    g_warning("schedule: premiere %s: no library plugin", e.id.c_str());
    return;
  }
  auto found = library->item(e.item_id);
  if (!found) {
    g_warning("schedule: premiere %s: %s", e.id.c_str(), found.error().message.c_str());
    return;
  }
  Event event = e;
  if (!*found) {
    p_.cancel(event, "the film was deleted");
    return;
  }
  const LibraryItemInfo& item = **found;
  PremiereSource source;
  source.event_id = e.id;
  source.origin_us = e.starts_at * G_USEC_PER_SEC;
  for (const auto& r : item.renditions) {
    const std::string rel = relative_to_item(item, r.playlist_url);
    if (rel.empty()) continue;
    const std::string folder = parent_of(rel);
    if (source.film_dir.empty()) source.film_dir = item.media_dir + "/" + parent_of(folder);
    source.renditions.push_back({last_part(folder), r.bitrate_kbps});
  }
  const std::string master_rel = relative_to_item(item, item.hls_url);
  if (!item.playable || master_rel.empty() || (item.has_video && source.renditions.empty())) {
    p_.cancel(event, "the film does not play any more");
    return;
  }
  if (source.film_dir.empty()) source.film_dir = item.media_dir + "/" + parent_of(master_rel);
  const std::string master_path = item.media_dir + "/" + master_rel;
  // The master names the audio rendition: read on a worker, then start on the main loop.
  starting_.insert(e.id);
  const std::string id = e.id;
  const std::string owner = e.owner;
  const int width = item.renditions.empty() ? 0 : item.renditions.front().width;
  const int height = item.renditions.empty() ? 0 : item.renditions.front().height;
  const std::string poster = e.poster_url.empty() ? item.poster_url : e.poster_url;
  run_in_worker<std::string>([master_path] { return read_small_file(master_path); },
                             [this, id, source, owner, width, height, poster](std::string master) mutable {
    starting_.erase(id);
    auto now = p_.store.find(id);
    if (!now || !*now || (*now)->cancelled_at || unix_now() >= (*now)->ends_at()) return;
    const Event& e = **now;
    source.audio = default_audio_folder(master);
    p_.apply_policy(e);
    const Vars vars = premiere_vars(source);
    PipelineOptions options;
    options.replace = true;
    options.restart_on_error = true;
    options.restart_on_eos = false;
    const std::string pipeline = premiere_stream(id);
    if (auto s = p_.host.pipelines().start(pipeline, kPremiereTemplate, vars, options); !s) {
      g_warning("schedule: premiere %s did not start: %s", id.c_str(), s.error().message.c_str());
      return;
    }
    g_message("premiere %s (\"%s\") plays at /media/live/%s/index.m3u8", id.c_str(), e.title.c_str(), pipeline.c_str());
    running_.insert(id);
    if (auto* a = p_.announcements()) {
      LiveAnnouncement ann;
      ann.stream = pipeline;
      ann.template_name = kPremiereTemplate;
      ann.vars = vars;
      ann.owner = owner;
      ann.owner_id = e.owner_id;
      ann.since_us = e.starts_at * G_USEC_PER_SEC;
      ann.kind = "premiere";
      ann.title = e.title;
      ann.page = "/poster/" + id;
      ann.poster_url = poster;
      ann.width = width;
      ann.height = height;
      a->announce(std::move(ann));
    }
  });
}

void Scheduler::halt(const std::string& event_id) {
  const std::string pipeline = premiere_stream(event_id);
  if (running_.erase(event_id)) {
    if (auto s = p_.host.pipelines().stop(pipeline); !s)
      g_warning("schedule: stopping %s: %s", pipeline.c_str(), s.error().message.c_str());
  }
  if (auto* a = p_.announcements()) a->withdraw("live", pipeline);
}

void Scheduler::on_pipeline_state(const std::string& id, const std::string& state) {
  if (id.rfind("premiere-", 0) != 0) return;
  const std::string event_id = id.substr(9);
  if (state != "finished" && state != "failed" && state != "stopped") return;
  if (state == "failed") g_warning("schedule: premiere %s failed", event_id.c_str());
  running_.erase(event_id);
  if (auto* a = p_.announcements()) a->withdraw("live", id);
  auto e = p_.store.find(event_id);
  if (e && *e) p_.tell_changed(**e, "poster.ended");
}

void Scheduler::on_stream_started(const std::string& stream) {
  if (stream.empty()) return;
  auto events = p_.store.live_on_stream(stream);
  if (!events) return;
  const int64_t now = unix_now();
  for (auto& e : *events) {
    if (now < e.starts_at || now >= e.ends_at() + kLiveGraceS) continue;
    if (!e.live_since) mark_live(e);
    if (!start_notified_.count(e.id)) notify_start(e);
    else p_.tell_changed(e, "poster.live");
  }
}

void Scheduler::on_item_deleted(const std::string& item_id) {
  if (item_id.empty()) return;
  auto events = p_.store.of_item(item_id);
  if (!events) return;
  const int64_t now = unix_now();
  for (auto& e : *events) {
    if (e.cancelled_at || now >= e.ends_at()) continue;
    p_.cancel(e, "the film was deleted");
  }
}

void Scheduler::on_user_deleted(int64_t user_id) {
  if (user_id <= 0) return;
  auto events = p_.store.of_owner(user_id);
  if (events)
    for (const auto& e : *events) {
      halt(e.id);
      if (auto* m = p_.media()) m->remove_policy(SchedulePlugin::media_prefix(e));
    }
  p_.queue.write([user_id](EventStore& s) { return s.drop_user(user_id); }, warn_if_failed);
}

}  // namespace kek::schedule
