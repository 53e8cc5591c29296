// A plugin's arguments from the config (plugins: [{name: rtmp, args: {...}}]), read once into the
// plugin's own immutable settings. Every error names the config file, line, column and key.
#pragma once

#include <kek/error.h>
#include <kek/json.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <set>
#include <string>
#include <type_traits>
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
  // Reads key into a settings field whose present value is the default; the field is left as it
  // is on a failure. An integer field gets a number in [min, max] (and in the field type's range).
  template <class Int>
    requires(std::is_integral_v<Int> && std::is_signed_v<Int>)
  Status read(const std::string& key, Int& field, int64_t min, int64_t max) const {
    auto v = integer(key, field, std::max<int64_t>(min, std::numeric_limits<Int>::min()),
                     std::min<int64_t>(max, std::numeric_limits<Int>::max()));
    if (!v) return v.error();
    field = static_cast<Int>(*v);
    return {};
  }
  Status read(const std::string& key, std::string& field) const {
    auto v = string(key, field);
    if (!v) return v.error();
    field = std::move(*v);
    return {};
  }
  Status read(const std::string& key, bool& field) const {
    auto v = boolean(key, field);
    if (!v) return v.error();
    field = *v;
    return {};
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

// The first failure of reads written in one braced list, which C++ evaluates left to right, so
// a settings reader says each key once and still reports the first mistake in its order:
//   if (auto st = first_failure({args.read("port", s.port, 0, 65535), args.read("app", s.app),
//                                args.no_unknown_keys()}); !st)
//     return st.error();
inline Status first_failure(std::initializer_list<Status> reads) {
  for (const Status& st : reads)
    if (!st) return st;
  return {};
}

}  // namespace kek
