// What the history routes share: who is asking, the clocks, and entries as JSON.
#pragma once

#include "context.h"
#include "entries.h"

#include <kek/http.h>
#include <kek/json.h>
#include <kek/services/identity.h>

#include <optional>
#include <string>
#include <vector>

namespace kek::history {

int64_t now_ms();

// The signed-in caller, or the answer to give instead: 401 for guests (history needs an
// account and none is kept for them), 503 before the store runs.
struct Caller {
  std::optional<UserIdentity> user;
  std::optional<HttpResponse> refusal;
};
Caller signed_in_caller(HistoryContext& ctx, const HttpRequest& request);
// Anyone (view counts): the user when signed in.
Result<std::optional<UserIdentity>> any_caller(HistoryContext& ctx, const HttpRequest& request);
// Whether user may watch what lies under media_prefix (given its link): Identity::may_open.
bool may_open(HistoryContext& ctx, const std::optional<UserIdentity>& user, const std::string& media_prefix);

// The film a request names by {item_id}, checked: 404 unknown, 403 not the caller's to watch.
Result<FilmInfo> film_for(HistoryContext& ctx, const std::optional<UserIdentity>& user, const std::string& item_id);

// The caller of a heartbeat: signed in, and within the rate limit of its browser session (the
// account, its address and its software), else the answer to give (401, 429...).
Caller heartbeat_caller(HistoryContext& ctx, const HttpRequest& request);
// A heartbeat's answer: 202 {recorded}, with paused: true when nothing was recorded.
HttpResponse accepted(bool recorded);

// A film entry with what the catalogue says of it (title, poster), or a live entry.
void write_film_entry(JsonWriter& w, const Entry& e, const FilmInfo* film);
void write_live_entry(JsonWriter& w, const Entry& e);
// Entries of one user as a JSON array: films the user may no longer open (or that are gone)
// are left out unless keep_hidden (the export: the user's own data, without the title).
void write_entries(HistoryContext& ctx, JsonWriter& w, const UserIdentity& user, const std::vector<Entry>& entries,
                   bool keep_hidden);

std::string iso_time_ms(int64_t ms);
HttpResponse no_content();

}  // namespace kek::history
