// A poster event as the schedule plugin keeps it, and what it is at a given moment. Pure.
#pragma once

#include <kek/services/media_access.h>

#include <cstdint>
#include <optional>
#include <string>

namespace kek::schedule {

enum class Kind { premiere, live };

struct Event {
  std::string id;              // 16 random URL-safe characters
  Kind kind = Kind::premiere;
  int64_t owner_id = 0;
  std::string owner;           // user name at creation (shown; the id is what counts)
  std::string item_id;         // premiere: the library item
  int64_t stream_key_id = 0;   // live: one of the owner's stream keys
  std::string stream;          // live: that key's public stream name
  std::string title;
  std::string description;
  std::string poster_url;      // "" : the item's poster (premiere) or none
  Visibility visibility = Visibility::public_;
  int64_t starts_at = 0;       // unix seconds, UTC
  int64_t duration_s = 0;      // premiere: the film's length; live: the expected length
  std::optional<int64_t> cancelled_at;
  std::string cancel_reason;
  int sequence = 0;            // iCalendar SEQUENCE: bumped by every change people should see
  std::optional<int64_t> live_since;  // live: when its key first published inside the window
  int64_t created_at = 0;
  int64_t updated_at = 0;

  int64_t ends_at() const { return starts_at + duration_s; }
};

// What the poster says of an event at `now`:
//   upcoming   before its start;
//   live       a premiere between its start and its end; a live event whose key publishes now
//              inside its window;
//   waiting    a live event inside its window whose key has not published ("not started yet");
//   ended      after its end (a live event that went live at some time in its window);
//   missed     a live event whose window passed without a publish ("did not take place");
//   cancelled  cancelled (it stays on the poster marked so until its time passes).
enum class Phase { upcoming, live, waiting, ended, missed, cancelled };

const char* to_string(Kind k);
std::optional<Kind> parse_kind(std::string_view text);
const char* to_string(Phase p);
std::optional<Visibility> parse_visibility(std::string_view text);

// A live event's window: from its start to its expected end plus this grace (a stream that runs
// late still counts).
inline constexpr int64_t kLiveGraceS = 30 * 60;

Phase phase_of(const Event& e, int64_t now, bool stream_live_now);

// The stricter of two visibilities (private > unlisted > public).
Visibility stricter(Visibility a, Visibility b);

}  // namespace kek::schedule
