// Small C++ helpers over json-glib: build a document with JsonWriter, read one with JsonDoc.
#pragma once

#include <json-glib/json-glib.h>

#include <kek/error.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kek {

// Builds one JSON value. Every begin_* is closed by the matching end_*.
//   JsonWriter w; w.begin_object().key("ok").value(true).end_object(); w.str()
class JsonWriter {
 public:
  JsonWriter() : b_(json_builder_new()) {}
  ~JsonWriter() { g_object_unref(b_); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& begin_object() { json_builder_begin_object(b_); return *this; }
  JsonWriter& end_object() { json_builder_end_object(b_); return *this; }
  JsonWriter& begin_array() { json_builder_begin_array(b_); return *this; }
  JsonWriter& end_array() { json_builder_end_array(b_); return *this; }
  JsonWriter& key(std::string_view k) { json_builder_set_member_name(b_, std::string(k).c_str()); return *this; }
  JsonWriter& value(std::string_view v) { json_builder_add_string_value(b_, std::string(v).c_str()); return *this; }
  JsonWriter& value(const char* v) { return v ? value(std::string_view(v)) : null(); }
  JsonWriter& value(const std::string& v) { return value(std::string_view(v)); }
  JsonWriter& value(bool v) { json_builder_add_boolean_value(b_, v); return *this; }
  JsonWriter& value(int v) { json_builder_add_int_value(b_, v); return *this; }
  JsonWriter& value(int64_t v) { json_builder_add_int_value(b_, v); return *this; }
  JsonWriter& value(uint64_t v) { json_builder_add_int_value(b_, static_cast<int64_t>(v)); return *this; }
  JsonWriter& value(double v) { json_builder_add_double_value(b_, v); return *this; }
  JsonWriter& null() { json_builder_add_null_value(b_); return *this; }
  // Adds an already built node (its ownership passes to the writer).
  JsonWriter& node(JsonNode* n) { json_builder_add_value(b_, n); return *this; }
  template <class T>
  JsonWriter& member(std::string_view k, const T& v) { key(k); return value(v); }
  template <class T>
  JsonWriter& member(std::string_view k, const std::optional<T>& v) { key(k); return v ? value(*v) : null(); }

  std::string str(bool pretty = false) const {
    JsonNode* root = json_builder_get_root(b_);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_pretty(gen, pretty);
    json_generator_set_root(gen, root);
    g_autofree char* text = json_generator_to_data(gen, nullptr);
    json_node_unref(root);
    return text ? text : "null";
  }

 private:
  JsonBuilder* b_;
};

// A parsed JSON document; members read with typed getters that say what was wrong.
class JsonDoc {
 public:
  static Result<JsonDoc> parse(std::string_view text) {
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    GError* err = nullptr;
    if (!json_parser_load_from_data(parser, text.data(), static_cast<gssize>(text.size()), &err)) {
      std::string msg = std::string("invalid JSON: ") + (err ? err->message : "unknown error");
      g_clear_error(&err);
      return Error{msg, 400, "invalid_json"};
    }
    JsonNode* root = json_parser_get_root(parser);
    if (!root) return Error{"invalid JSON: empty body", 400, "invalid_json"};
    return JsonDoc(json_node_copy(root));
  }
  explicit JsonDoc(JsonNode* owned) : root_(owned) {}
  JsonDoc(const JsonDoc& o) : root_(o.root_ ? json_node_copy(o.root_) : nullptr) {}
  JsonDoc(JsonDoc&& o) noexcept : root_(o.root_) { o.root_ = nullptr; }
  JsonDoc& operator=(JsonDoc o) noexcept { std::swap(root_, o.root_); return *this; }
  ~JsonDoc() { if (root_) json_node_unref(root_); }

  JsonNode* root() const { return root_; }
  JsonObject* object() const { return root_ && JSON_NODE_HOLDS_OBJECT(root_) ? json_node_get_object(root_) : nullptr; }
  bool has(std::string_view key) const { auto* o = object(); return o && json_object_has_member(o, std::string(key).c_str()); }

  // A string member; missing gives nullopt, any other type an error.
  Result<std::optional<std::string>> string(std::string_view key) const {
    JsonNode* n = member(key);
    if (!n || JSON_NODE_HOLDS_NULL(n)) return std::optional<std::string>{};
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
      return Error{"'" + std::string(key) + "' must be a string", 400, "invalid_field"};
    return std::optional<std::string>{json_node_get_string(n)};
  }
  Result<std::optional<int64_t>> integer(std::string_view key) const {
    JsonNode* n = member(key);
    if (!n || JSON_NODE_HOLDS_NULL(n)) return std::optional<int64_t>{};
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
      return Error{"'" + std::string(key) + "' must be an integer", 400, "invalid_field"};
    return std::optional<int64_t>{json_node_get_int(n)};
  }
  Result<std::optional<bool>> boolean(std::string_view key) const {
    JsonNode* n = member(key);
    if (!n || JSON_NODE_HOLDS_NULL(n)) return std::optional<bool>{};
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
      return Error{"'" + std::string(key) + "' must be true or false", 400, "invalid_field"};
    return std::optional<bool>{json_node_get_boolean(n) != FALSE};
  }

 private:
  JsonNode* member(std::string_view key) const {
    JsonObject* o = object();
    return o ? json_object_get_member(o, std::string(key).c_str()) : nullptr;
  }
  JsonNode* root_ = nullptr;
};

// {"error": message, "code": code}: the API's one error shape (see HttpResponse::error).
inline std::string json_error_body(std::string_view message, std::string_view code) {
  JsonWriter w;
  w.begin_object().member("error", message).member("code", code).end_object();
  return w.str();
}

}  // namespace kek
