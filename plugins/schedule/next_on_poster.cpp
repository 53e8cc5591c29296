// kek::Poster: an account's next event on the poster, for its channel page. The read runs on the
// store's queue (off the main loop); what the viewer may see is decided on the main loop with
// the same check as the poster's listing.
#include "schedule_plugin.h"

namespace kek::schedule {

namespace {

// How many of an account's coming events are read to find the first one the viewer may see.
constexpr int64_t kCandidates = 50;

bool is_next(const Event& e, Phase phase) {
  switch (phase) {
    case Phase::upcoming:
    case Phase::waiting:
      return true;
    case Phase::live:
      return e.kind == Kind::premiere;  // a live event that is live is the stream shown beside it
    default:
      return false;
  }
}

}  // namespace

void PosterLookup::next_of(int64_t owner_id, const std::optional<UserIdentity>& viewer, NextDone done) {
  SchedulePlugin& p = p_;
  const int64_t now = unix_now();
  p.queue.read<std::vector<Event>>(
      [owner_id, now](EventStore& s) { return s.coming_of_owner(owner_id, now, kCandidates); },
      [&p, viewer, done = std::move(done)](Result<std::vector<Event>> events) {
        if (!events) return done(events.error());
        const int64_t now = unix_now();
        for (const auto& e : *events) {
          const Phase phase = p.phase(e, now);
          if (!is_next(e, phase) || !p.listed_for(viewer, e)) continue;
          PosterEntry entry{e.id, to_string(e.kind), e.title, e.starts_at, e.ends_at(), to_string(phase),
                            "/poster/" + e.id, e.poster_url};
          if (entry.poster_url.empty() && e.kind == Kind::premiere)
            if (auto* lib = p.library())
              if (auto item = lib->item(e.item_id); item && *item) entry.poster_url = (*item)->poster_url;
          return done(std::optional<PosterEntry>{std::move(entry)});
        }
        done(std::optional<PosterEntry>{});
      });
}

}  // namespace kek::schedule
