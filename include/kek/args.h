// A plugin's arguments from the config (plugins: [{name: rtmp, args: {...}}]), read once into the
// plugin's own immutable settings. Every error names the config file, line, column and key.
#pragma once

#include <kek/error.h>
#include <kek/json.h>

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace kek {

class Args {
 public:
  // where(key) gives "file:line:col: plugins[i].args.key" for messages (the host knows marks).
  using Where = std::function<std::string(const std::string& key)>;

  Args(JsonDoc doc, Where where) : doc_(std::move(doc)), where_(std::move(where)) {}

  Result<std::string> string(const std::string& key, std::string fallback) const {
    auto v = doc_.string(key);
    if (!v) return fail(key, "must be a string");
    seen_.insert(key);
    return v->value_or(std::move(fallback));
  }
  Result<int64_t> integer(const std::string& key, int64_t fallback, int64_t min = INT64_MIN,
                          int64_t max = INT64_MAX) const {
    auto v = doc_.integer(key);
    if (!v) return fail(key, "must be an integer");
    seen_.insert(key);
    int64_t n = v->value_or(fallback);
    if (n < min || n > max)
      return fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return n;
  }
  Result<bool> boolean(const std::string& key, bool fallback) const {
    auto v = doc_.boolean(key);
    if (!v) return fail(key, "must be true or false");
    seen_.insert(key);
    return v->value_or(fallback);
  }
  Result<std::vector<std::string>> strings(const std::string& key) const {
    seen_.insert(key);
    std::vector<std::string> out;
    JsonObject* o = doc_.object();
    JsonNode* n = o ? json_object_get_member(o, key.c_str()) : nullptr;
    if (!n || JSON_NODE_HOLDS_NULL(n)) return out;
    if (!JSON_NODE_HOLDS_ARRAY(n)) return fail(key, "must be a list of strings");
    JsonArray* a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); ++i) {
      JsonNode* e = json_array_get_element(a, i);
      if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING)
        return fail(key, "must be a list of strings");
      out.emplace_back(json_node_get_string(e));
    }
    return out;
  }
  // The raw member, for structured settings a plugin reads itself (nullptr when absent).
  JsonNode* node(const std::string& key) const {
    seen_.insert(key);
    JsonObject* o = doc_.object();
    return o ? json_object_get_member(o, key.c_str()) : nullptr;
  }
  // After reading everything it knows: an error for the first key the plugin did not ask for.
  Status no_unknown_keys() const {
    JsonObject* o = doc_.object();
    if (!o) return {};
    g_autoptr(GList) members = json_object_get_members(o);
    for (GList* l = members; l; l = l->next) {
      std::string k = static_cast<const char*>(l->data);
      if (!seen_.count(k)) return fail(k, "unknown key");
    }
    return {};
  }
  Error fail(const std::string& key, const std::string& message) const {
    return Error{(where_ ? where_(key) : key) + ": " + message, 400};
  }

 private:
  JsonDoc doc_;
  Where where_;
  mutable std::set<std::string> seen_;
};

}  // namespace kek
