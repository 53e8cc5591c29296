// What is next on the poster for one account: the schedule plugin's premieres and live events.
// The schedule plugin provides it; the channels plugin asks it for the channel page's "next on
// the poster", so the channels plugin never reads the schedule plugin's tables or HTTP API.
#pragma once

#include <kek/error.h>
#include <kek/services/identity.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace kek {

struct PosterEntry {
  std::string id;
  std::string kind;        // "premiere" | "live"
  std::string title;
  int64_t starts_at = 0;   // unix seconds, UTC
  int64_t ends_at = 0;     // its expected end
  std::string status;      // "upcoming" | "waiting" (a live event inside its window, not started) | "live" (a premiere playing now)
  std::string page;        // where the web UI shows it: "/poster/<id>"
  std::string poster_url;  // its picture, "" for none
};

class Poster {
 public:
  static constexpr const char* kName = "schedule.poster/1";
  virtual ~Poster() = default;
  using NextDone = std::function<void(Result<std::optional<PosterEntry>>)>;
  // Main loop; `done` is called later on the main loop (the read runs off it), and not at all
  // once the host stops. The first of the account's events by start that is not cancelled and
  // not over and that `viewer` (nullopt: anonymous) may see in a listing, as GET /api/poster
  // shows them: private ones only to who they are shared with, unlisted ones only to the owner
  // and admins. A live event whose stream is live now is not "next"; a premiere playing now is.
  virtual void next_of(int64_t owner_id, const std::optional<UserIdentity>& viewer, NextDone done) = 0;
};

}  // namespace kek
