#include "config/yaml_reader.h"

#include <charconv>
#include <limits>

namespace kek::core {

std::string Mark::str() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(column);
  if (!path.empty()) s += ": " + path;
  return s;
}

Error config_error(const Mark& at, const std::string& message) {
  return Error{at.str() + ": " + message, 400};
}

Result<YAML::Node> YamlReader::parse(std::string_view text) const {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    Mark m{file_, e.mark.line + 1, e.mark.column + 1, ""};
    if (e.mark.is_null()) m.line = 0;
    return config_error(m, "invalid YAML: " + e.msg);
  }
}

Mark YamlReader::mark(const YAML::Node& node, const std::string& path) const {
  Mark m{file_, 0, 0, path};
  if (node.IsDefined() && !node.Mark().is_null()) {
    m.line = node.Mark().line + 1;
    m.column = node.Mark().column + 1;
  }
  return m;
}

Status YamlReader::expect_map(const YAML::Node& node, const std::string& path) const {
  if (!node.IsMap()) return fail(node, path, "must be a mapping of keys to values");
  return {};
}

Status YamlReader::only_keys(const YAML::Node& map, const std::string& path,
                             std::initializer_list<std::string_view> known) const {
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) return fail(kv.first, path, "keys must be plain names");
    const std::string key = kv.first.Scalar();
    bool found = false;
    for (auto k : known) found = found || k == key;
    if (!found) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return fail(kv.first, child_path(path, key), "unknown key (known: " + list + ")");
    }
  }
  return {};
}

Result<std::string> YamlReader::string(const YAML::Node& node, const std::string& path) const {
  if (!node.IsScalar()) return fail(node, path, "must be a string");
  return node.Scalar();
}

Result<int64_t> YamlReader::integer(const YAML::Node& node, const std::string& path, int64_t min,
                                    int64_t max) const {
  if (!node.IsScalar()) return fail(node, path, "must be an integer");
  const std::string& s = node.Scalar();
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || node.Tag() == "!")
    return fail(node, path, "must be an integer, not \"" + s + "\"");
  if (v < min || v > max)
    return fail(node, path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return v;
}

Result<bool> YamlReader::boolean(const YAML::Node& node, const std::string& path) const {
  if (node.IsScalar() && node.Tag() != "!") {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
  }
  return fail(node, path, "must be true or false");
}

Result<std::vector<std::string>> YamlReader::strings(const YAML::Node& node, const std::string& path) const {
  std::vector<std::string> out;
  if (node.IsNull()) return out;
  if (!node.IsSequence()) return fail(node, path, "must be a list of strings");
  for (size_t i = 0; i < node.size(); ++i) {
    auto s = string(node[i], index_path(path, i));
    if (!s) return s.error();
    out.push_back(*s);
  }
  return out;
}

Result<std::map<std::string, std::string>> YamlReader::scalar_map(const YAML::Node& node,
                                                                  const std::string& path) const {
  std::map<std::string, std::string> out;
  if (node.IsNull()) return out;
  if (auto s = expect_map(node, path); !s) return s.error();
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (!kv.second.IsScalar() && !kv.second.IsNull())
      return fail(kv.second, child_path(path, key), "must be a single value (text or number)");
    out[key] = kv.second.IsNull() ? "" : kv.second.Scalar();
  }
  return out;
}

namespace {

void add_yaml_value(JsonWriter& w, const YAML::Node& node) {
  if (node.IsMap()) {
    w.begin_object();
    for (const auto& kv : node) {
      w.key(kv.first.Scalar());
      add_yaml_value(w, kv.second);
    }
    w.end_object();
  } else if (node.IsSequence()) {
    w.begin_array();
    for (const auto& item : node) add_yaml_value(w, item);
    w.end_array();
  } else if (!node.IsDefined() || node.IsNull()) {
    w.null();
  } else {
    const std::string& s = node.Scalar();
    if (node.Tag() == "!") {  // quoted: always text
      w.value(s);
      return;
    }
    if (s == "true" || s == "false") {
      w.value(s == "true");
      return;
    }
    int64_t i = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) {
      w.value(i);
      return;
    }
    w.value(s);
  }
}

}  // namespace

Result<std::string> YamlReader::to_json(const YAML::Node& node, const std::string&) const {
  JsonWriter w;
  add_yaml_value(w, node);
  return w.str();
}

}  // namespace kek::core
