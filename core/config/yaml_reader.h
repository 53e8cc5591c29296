// Reading YAML with positions: every accessor fails with "file:line:col: key.path: message".
// Shared by kek.yaml and the pipeline template files.
#pragma once

#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>

namespace kek::core {

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  // Parses text; a syntax error names the line and column yaml-cpp stopped at.
  Result<YAML::Node> parse(std::string_view text) const;

  Mark mark(const YAML::Node& node, const std::string& path) const;
  Error fail(const YAML::Node& node, const std::string& path, const std::string& message) const {
    return config_error(mark(node, path), message);
  }

  Status expect_map(const YAML::Node& node, const std::string& path) const;
  // Refuses keys outside `known` (the typo that would otherwise be silently ignored).
  Status only_keys(const YAML::Node& map, const std::string& path,
                   std::initializer_list<std::string_view> known) const;

  Result<std::string> string(const YAML::Node& node, const std::string& path) const;
  Result<int64_t> integer(const YAML::Node& node, const std::string& path, int64_t min, int64_t max) const;
  Result<bool> boolean(const YAML::Node& node, const std::string& path) const;
  Result<std::vector<std::string>> strings(const YAML::Node& node, const std::string& path) const;
  // A map of scalars (template variables): values kept as their text.
  Result<std::map<std::string, std::string>> scalar_map(const YAML::Node& node, const std::string& path) const;
  // Any YAML value as JSON text (plugin args); plain scalars become numbers/booleans where they
  // look like one, quoted scalars stay strings.
  Result<std::string> to_json(const YAML::Node& node, const std::string& path) const;

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

inline std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}
inline std::string index_path(const std::string& parent, size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

}  // namespace kek::core
