#include "schedule_plugin.h"

#include "premiere_template.h"

#include <kek/json.h>

namespace kek::schedule {

int64_t unix_now() { return g_get_real_time() / G_USEC_PER_SEC; }

std::string SchedulePlugin::media_prefix(const Event& e) {
  if (e.kind == Kind::premiere) return "live/" + premiere_stream(e.id) + "/";
  return "poster/" + e.id + "/";
}

void SchedulePlugin::apply_policy(const Event& e) {
  auto* access = media();
  if (!access) return;
  MediaPolicy policy{Visibility::private_, e.owner_id, {}, {}};
  if (e.kind == Kind::premiere) {
    if (auto* lib = library()) {
      auto item = lib->item(e.item_id);
      if (item && *item) {
        policy = (*item)->policy;
        policy.visibility = stricter(e.visibility, (*item)->visibility);
      }
    }
  } else if (auto* k = keys()) {
    auto key = k->key(e.stream_key_id);
    if (key && *key) {
      policy = (*key)->policy;
      policy.visibility = stricter(e.visibility, (*key)->policy.visibility);
    }
  }
  access->set_policy(media_prefix(e), std::move(policy));
}

namespace {
bool owner_or_admin(const std::optional<UserIdentity>& user, const Event& e) {
  return user && (user->admin || user->id == e.owner_id);
}
}  // namespace

bool SchedulePlugin::may_list(const std::optional<UserIdentity>& user, const Event& e) {
  if (owner_or_admin(user, e)) return true;
  auto* id = identity();
  if (!id || !media()) return e.visibility == Visibility::public_;
  return id->may_view(user, media_prefix(e));
}

bool SchedulePlugin::listed_for(const std::optional<UserIdentity>& user, const Event& e) {
  if (!may_list(user, e)) return false;
  return e.visibility != Visibility::unlisted || owner_or_admin(user, e);
}

bool SchedulePlugin::may_open(const std::optional<UserIdentity>& user, const Event& e) {
  if (owner_or_admin(user, e)) return true;
  auto* id = identity();
  if (!id || !media()) return e.visibility == Visibility::public_;
  return id->may_open(user, media_prefix(e));
}

bool SchedulePlugin::stream_live(const Event& e) const {
  auto* l = live();
  if (!l || e.stream.empty()) return false;
  auto s = l->find(e.stream);
  return s && !s->reconnecting;
}

void SchedulePlugin::cancel(const Event& e, const std::string& reason, EventDone done) {
  const int64_t now = unix_now();
  const std::string id = e.id;
  queue.read<std::optional<Event>>(
      [id, now, reason](EventStore& s) -> Result<std::optional<Event>> {
        if (auto st = s.cancel(id, now, reason); !st) return st.error();
        return s.find(id);
      },
      [this, id, done = std::move(done)](Result<std::optional<Event>> now_is) {
        if (!now_is) g_warning("schedule: %s", now_is.error().message.c_str());
        if (now_is && *now_is) {
          scheduler.halt(id);
          scheduler.changed();
          tell_changed(**now_is);
        }
        if (done) done(std::move(now_is));
      });
}

void SchedulePlugin::tell_changed(const Event& e, const char* name) {
  auto* b = browsers();
  if (!b) return;
  JsonWriter w;
  w.begin_object().member("id", e.id).member("status", to_string(phase(e, unix_now()))).end_object();
  BrowserAudience audience;
  audience.user_id = e.owner_id;
  if (e.visibility == Visibility::public_ || media()) audience.media_prefix = media_prefix(e);
  b->publish({name, w.str(), audience});
}

}  // namespace kek::schedule
