#include "event.h"

namespace kek::schedule {

const char* to_string(Kind k) { return k == Kind::premiere ? "premiere" : "live"; }

std::optional<Kind> parse_kind(std::string_view text) {
  if (text == "premiere") return Kind::premiere;
  if (text == "live") return Kind::live;
  return std::nullopt;
}

const char* to_string(Phase p) {
  switch (p) {
    case Phase::upcoming: return "upcoming";
    case Phase::live: return "live";
    case Phase::waiting: return "waiting";
    case Phase::ended: return "ended";
    case Phase::missed: return "missed";
    case Phase::cancelled: return "cancelled";
  }
  return "upcoming";
}

std::optional<Visibility> parse_visibility(std::string_view text) {
  if (text == "public") return Visibility::public_;
  if (text == "unlisted") return Visibility::unlisted;
  if (text == "private") return Visibility::private_;
  return std::nullopt;
}

Phase phase_of(const Event& e, int64_t now, bool stream_live_now) {
  if (e.cancelled_at) return Phase::cancelled;
  if (now < e.starts_at) return Phase::upcoming;
  if (e.kind == Kind::premiere) return now < e.ends_at() ? Phase::live : Phase::ended;
  const bool in_window = now < e.ends_at() + kLiveGraceS;
  if (in_window && stream_live_now) return Phase::live;
  // Once the expected end is reached, a stream that went live is over, one that never did is missed.
  if (now < e.ends_at() && !e.live_since) return Phase::waiting;
  if (now < e.ends_at()) return Phase::ended;  // went live, stopped early
  if (in_window && !e.live_since) return Phase::waiting;  // running late: still may start
  return e.live_since ? Phase::ended : Phase::missed;
}

Visibility stricter(Visibility a, Visibility b) {
  auto rank = [](Visibility v) { return v == Visibility::public_ ? 0 : v == Visibility::unlisted ? 1 : 2; };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace kek::schedule
