#include "bodies.h"

#include <kek/json.h>

namespace kek::schedule {
namespace {

Result<JsonDoc> object_body(std::string_view body) {
  auto doc = JsonDoc::parse(body.empty() ? std::string_view("{}") : body);
  if (!doc) return doc.error();
  if (!doc->object()) return Error{"the request body must be a JSON object", 400, "json_object_expected"};
  return doc;
}

}  // namespace

Result<Draft> parse_draft(std::string_view body) {
  auto doc = object_body(body);
  if (!doc) return doc.error();
  Draft d;
  for (auto [key, field] : {std::pair{"title", &d.title}, {"description", &d.description}, {"poster_url", &d.poster_url},
                            {"starts_at", &d.starts_at}, {"item_id", &d.item_id}, {"visibility", &d.visibility},
                            {"kind", &d.kind}}) {
    auto v = doc->string(key);
    if (!v) return v.error();
    *field = *v;
  }
  auto duration = doc->integer("duration_s");
  if (!duration) return duration.error();
  d.duration_s = *duration;
  auto key = doc->integer("stream_key_id");
  if (!key) return key.error();
  d.stream_key_id = *key;
  return d;
}

Result<std::string> parse_cancel_reason(std::string_view body) {
  auto doc = object_body(body);
  if (!doc) return doc.error();
  auto reason = doc->string("reason");
  if (!reason) return reason.error();
  return reason->value_or("");
}

}  // namespace kek::schedule
