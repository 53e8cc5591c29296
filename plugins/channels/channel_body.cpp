#include "channel_body.h"

#include <kek/json.h>

namespace kek::channels {

Result<ChannelChange> parse_channel_change(std::string_view body) {
  auto doc = JsonDoc::parse(body.empty() ? std::string_view("{}") : body);
  if (!doc) return doc.error();
  if (!doc->object()) return Error{"the request body must be a JSON object", 400, "json_object_expected"};
  ChannelChange change;
  auto title = doc->string("title");
  if (!title) return title.error();
  auto category = doc->string("category");
  if (!category) return category.error();
  if (doc->has("title")) change.title = title->value_or("");
  if (doc->has("category")) change.category = category->value_or("");
  return change;
}

}  // namespace kek::channels
