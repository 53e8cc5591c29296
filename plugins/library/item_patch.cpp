#include "item_patch.h"

#include <kek/json.h>

#include <algorithm>
#include <set>

namespace kek::library {
namespace {

Result<std::vector<std::string>> string_list(JsonObject* o, const char* key) {
  JsonNode* n = json_object_get_member(o, key);
  const Error wrong{std::string("'") + key + "' must be a list of strings", 400};
  if (!JSON_NODE_HOLDS_ARRAY(n)) return wrong;
  std::vector<std::string> out;
  JsonArray* a = json_node_get_array(n);
  for (guint i = 0; i < json_array_get_length(a); ++i) {
    JsonNode* e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING) return wrong;
    std::string v = json_node_get_string(e);
    if (v.empty() || v.size() > 100) return Error{std::string("'") + key + "' entries are 1-100 bytes", 400};
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    if (out.size() > 50) return Error{std::string("'") + key + "' has more than 50 entries", 400};
  }
  return out;
}

}  // namespace

Result<ItemPatch> parse_item_patch(std::string_view body) {
  auto patch = JsonDoc::parse(body);
  if (!patch) return patch.error();
  JsonObject* o = patch->object();
  if (!o) return Error{"the body must be a JSON object", 400};
  static const std::set<std::string> kKnown = {"title", "description", "year", "genres", "visibility", "allowed"};
  g_autoptr(GList) members = json_object_get_members(o);
  for (GList* l = members; l; l = l->next)
    if (!kKnown.count(static_cast<const char*>(l->data)))
      return Error{std::string("unknown field '") + static_cast<const char*>(l->data) +
                       "' (title, description, year, genres, visibility, allowed)",
                   400};
  ItemPatch out;
  auto title = patch->string("title");
  if (!title) return title.error();
  if (*title) {
    std::string t = **title;
    t.erase(0, t.find_first_not_of(" \t\r\n"));
    t.erase(t.find_last_not_of(" \t\r\n") + 1);
    if (t.empty()) return Error{"title must not be empty", 400};
    if (t.size() > 300) return Error{"title is longer than 300 bytes", 400};
    out.title = std::move(t);
  }
  auto description = patch->string("description");
  if (!description) return description.error();
  if (*description) {
    if ((*description)->size() > 20000) return Error{"description is longer than 20000 bytes", 400};
    out.description = std::move(**description);
  }
  if (patch->has("year")) {
    if (JSON_NODE_HOLDS_NULL(json_object_get_member(o, "year"))) {
      out.year = std::optional<int64_t>{};
    } else {
      auto year = patch->integer("year");
      if (!year) return year.error();
      if (**year < 1870 || **year > 2200) return Error{"year must be between 1870 and 2200", 400};
      out.year = *year;
    }
  }
  if (patch->has("genres")) {
    auto genres = string_list(o, "genres");
    if (!genres) return genres.error();
    out.genres = std::move(*genres);
  }
  auto visibility = patch->string("visibility");
  if (!visibility) return visibility.error();
  if (*visibility) {
    if (**visibility != "public" && **visibility != "unlisted" && **visibility != "private")
      return Error{"visibility must be public, unlisted or private", 400};
    out.visibility = std::move(**visibility);
  }
  if (patch->has("allowed")) {
    auto allowed = string_list(o, "allowed");
    if (!allowed) return allowed.error();
    for (const auto& name : *allowed)
      if (name == "group:") return Error{"'group:' needs a group name", 400};
    out.allowed = std::move(*allowed);
  }
  return out;
}

}  // namespace kek::library
