#include "rules.h"

#include <kek/json.h>

#include <algorithm>
#include <cmath>

namespace kek::history {
namespace {

Error invalid(std::string message, std::string reason = "invalid_field") {
  return Error{std::move(message), 400, std::move(reason)};
}

// A JSON number member (integer or not): missing, null, a string or NaN are each an error.
Result<double> number(const JsonDoc& doc, const char* key) {
  JsonObject* object = doc.object();
  JsonNode* node = object ? json_object_get_member(object, key) : nullptr;
  if (!node || JSON_NODE_HOLDS_NULL(node)) return invalid(std::string("'") + key + "' is required (a number)");
  if (JSON_NODE_HOLDS_VALUE(node)) {
    const GType type = json_node_get_value_type(node);
    double v = 0;
    if (type == G_TYPE_INT64) v = static_cast<double>(json_node_get_int(node));
    else if (type == G_TYPE_DOUBLE) v = json_node_get_double(node);
    else return invalid(std::string("'") + key + "' must be a number");
    if (!std::isfinite(v)) return invalid(std::string("'") + key + "' must be a finite number");
    return v;
  }
  return invalid(std::string("'") + key + "' must be a number");
}

Result<JsonDoc> object_body(std::string_view body) {
  auto doc = JsonDoc::parse(body);
  if (!doc) return doc.error();
  if (!doc->object()) return invalid("the body must be a JSON object", "invalid_json");
  return doc;
}

Result<int64_t> sent_at(const JsonDoc& doc, int64_t now_ms) {
  auto v = number(doc, "sent_at");
  if (!v) return v.error();
  if (*v < static_cast<double>(kMinSentAtMs))
    return invalid("'sent_at' must be the client's time in milliseconds since 1970 (Date.now())");
  // Compared as a double first: a value past int64's range must not reach the cast.
  if (std::floor(*v) > static_cast<double>(now_ms + kMaxClockAheadMs))
    return invalid("'sent_at' is more than an hour ahead of the server's clock: check this device's clock",
                   "sent_at_in_future");
  return static_cast<int64_t>(std::floor(*v));
}

}  // namespace

Result<ViewReport> parse_view_report(std::string_view body) {
  auto doc = JsonDoc::parse(body);
  if (!doc) return doc.error();
  auto kind = doc->string("kind");
  if (!kind) return kind.error();
  auto id = doc->string("id");
  if (!id) return id.error();
  auto client = doc->string("client_id");
  if (!client) return client.error();
  if (!*kind || (**kind != "film" && **kind != "live")) return invalid("'kind' must be \"film\" or \"live\"");
  if (!*id || (*id)->empty()) return invalid("'id' (the film or stream) is required");
  ViewReport r{std::move(**kind), std::move(**id), std::move(*client), 0};
  if (doc->has("played_s")) {
    auto played = number(*doc, "played_s");
    if (!played) return invalid("'played_s' must be a number");
    if (!(*played >= 0)) return invalid("'played_s' must not be negative");
    r.played_s = *played;
  }
  return r;
}

Result<WatchedMark> parse_watched_mark(std::string_view body, int64_t now_ms) {
  auto doc = JsonDoc::parse(body);
  if (!doc) return doc.error();
  auto watched = doc->boolean("watched");
  if (!watched) return watched.error();
  if (!*watched) return invalid("'watched' (true or false) is required");
  WatchedMark m{**watched, now_ms};
  if (doc->has("sent_at")) {
    auto given = doc->integer("sent_at");
    if (!given) return given.error();
    if (*given) m.sent_at_ms = std::min(**given, now_ms + kMaxClockAheadMs);
  }
  return m;
}

Result<bool> parse_paused_setting(std::string_view body) {
  auto doc = JsonDoc::parse(body);
  if (!doc) return doc.error();
  auto paused = doc->boolean("paused");
  if (!paused) return paused.error();
  if (!*paused) return invalid("'paused' (true or false) is required");
  return **paused;
}

Result<PositionReport> parse_position_report(std::string_view body, int64_t now_ms) {
  auto doc = object_body(body);
  if (!doc) return doc.error();
  PositionReport r;
  auto position = number(*doc, "position_s");
  if (!position) return position.error();
  auto duration = number(*doc, "duration_s");
  if (!duration) return duration.error();
  auto when = sent_at(*doc, now_ms);
  if (!when) return when.error();
  r.position_s = *position;
  r.duration_s = *duration;
  r.sent_at_ms = *when;
  if (r.position_s < 0) return invalid("'position_s' must not be negative");
  if (r.duration_s <= 0) return invalid("'duration_s' must be more than 0");
  if (r.duration_s > kMaxDurationS) return invalid("'duration_s' is longer than a month");
  // Players may overshoot the end by a frame or so; more is a wrong report.
  if (r.position_s > r.duration_s + 1.0)
    return invalid("'position_s' (" + std::to_string(r.position_s) + ") is past 'duration_s' (" +
                       std::to_string(r.duration_s) + ")",
                   "position_past_end");
  r.position_s = std::min(r.position_s, r.duration_s);
  return r;
}

Result<LiveReport> parse_live_report(std::string_view body, int64_t now_ms) {
  auto doc = object_body(body);
  if (!doc) return doc.error();
  LiveReport r;
  auto played = number(*doc, "played_s");
  if (!played) return played.error();
  auto when = sent_at(*doc, now_ms);
  if (!when) return when.error();
  if (*played < 0) return invalid("'played_s' must not be negative");
  if (*played > kMaxLivePlayedS)
    return invalid("'played_s' is the time played since the previous report: at most " +
                   std::to_string(static_cast<int>(kMaxLivePlayedS)) + " s");
  r.played_s = *played;
  r.sent_at_ms = *when;
  return r;
}

Result<double> check_against_catalogue(const PositionReport& report, double catalogue_duration_s) {
  if (catalogue_duration_s <= 0) return report.duration_s;
  const double slack = std::max(3.0, catalogue_duration_s * 0.01);
  if (report.position_s > catalogue_duration_s + slack)
    return invalid("'position_s' (" + std::to_string(report.position_s) + ") is past the end of the film (" +
                       std::to_string(catalogue_duration_s) + " s)",
                   "position_past_end");
  return catalogue_duration_s;
}

double end_zone_s(double duration_s) {
  if (!(duration_s > 0)) return 0;
  return std::max(0.05 * duration_s, std::min(120.0, 0.25 * duration_s));
}

bool counts_as_watched(double position_s, double duration_s) {
  if (!(duration_s > 0)) return false;
  return duration_s - position_s <= end_zone_s(duration_s);
}

double resume_position(double position_s, double duration_s) {
  if (!(position_s >= kMinResumeS) || counts_as_watched(position_s, duration_s)) return 0;
  return position_s;
}

}  // namespace kek::history
