#include "config/templates.h"

#include "config/yaml_reader.h"

#include <glib.h>

#include <algorithm>
#include <cstring>

namespace kek::core {

Result<PipelineTemplate> parse_template(std::string_view text, const std::string& file) {
  YamlReader r(file);
  auto root = r.parse(text);
  if (!root) return root.error();
  if (auto s = r.expect_map(*root, ""); !s) return s.error();
  if (auto s = r.only_keys(*root, "", {"name", "description", "defaults", "directories", "launch"}); !s)
    return s.error();
  PipelineTemplate t;
  t.origin = file;
  for (const auto& kv : *root) {
    const std::string key = kv.first.Scalar();
    if (key == "name" || key == "description" || key == "launch") {
      auto v = r.string(kv.second, key);
      if (!v) return v.error();
      (key == "name" ? t.name : key == "description" ? t.description : t.launch) = *v;
    } else if (key == "defaults") {
      auto v = r.scalar_map(kv.second, key);
      if (!v) return v.error();
      t.defaults = *v;
    } else if (key == "directories") {
      auto v = r.strings(kv.second, key);
      if (!v) return v.error();
      t.directories = *v;
    }
  }
  if (t.name.empty()) return config_error(r.mark(*root, "name"), "a template needs a name");
  if (t.launch.empty()) return config_error(r.mark(*root, "launch"), "a template needs a launch line");
  for (char ch : t.name)
    if (!g_ascii_isalnum(ch) && ch != '-' && ch != '_')
      return config_error(r.mark(*root, "name"), "a template name uses letters, digits, - and _ only");
  return t;
}

Result<std::vector<PipelineTemplate>> load_templates(const std::vector<std::string>& dirs) {
  std::vector<PipelineTemplate> out;
  for (const auto& dir : dirs) {
    GError* err = nullptr;
    g_autoptr(GDir) d = g_dir_open(dir.c_str(), 0, &err);
    if (!d) {
      Error e{"template folder " + dir + ": " + err->message, 400};
      g_error_free(err);
      return e;
    }
    std::vector<std::string> files;
    while (const char* name = g_dir_read_name(d))
      if (g_str_has_suffix(name, ".yaml") || g_str_has_suffix(name, ".yml")) files.push_back(dir + "/" + name);
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      g_autofree char* text = nullptr;
      gsize len = 0;
      if (!g_file_get_contents(path.c_str(), &text, &len, &err)) {
        Error e{path + ": " + err->message, 400};
        g_error_free(err);
        return e;
      }
      auto t = parse_template(std::string_view(text, len), path);
      if (!t) return t.error();
      for (const auto& other : out)
        if (other.name == t->name)
          return Error{path + ": template '" + t->name + "' is already defined in " + other.origin, 400};
      out.push_back(std::move(*t));
    }
  }
  return out;
}

namespace {

bool is_plain_token(const std::string& v) {
  if (v.empty()) return false;
  for (char ch : v)
    if (!g_ascii_isalnum(ch) && !std::strchr("_-./:+,%@=", ch)) return false;
  return true;
}

std::string quote(const std::string& v) {
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

Result<std::string> expand_text(const std::string& text, const Vars& vars, const Vars& defaults,
                                const std::string& what) {
  std::string out;
  out.reserve(text.size() + 64);
  bool in_quotes = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      if (text[i] == '"') in_quotes = !in_quotes;
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (i + 1 >= text.size() || text[i + 1] != '{') {
      out += '$';
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos) return Error{what + ": unclosed ${ at offset " + std::to_string(i), 400};
    const std::string name = text.substr(i + 2, close - i - 2);
    const std::string* value = nullptr;
    if (auto a = vars.find(name); a != vars.end()) value = &a->second;
    else if (auto b = defaults.find(name); b != defaults.end()) value = &b->second;
    if (!value) return Error{what + ": variable ${" + name + "} has no value (pass --set " + name + "=...)", 400};
    // Inside a quoted string of the template the value is inserted raw but stripped of quotes.
    if (in_quotes) {
      for (char ch : *value)
        if (ch != '"' && ch != '\\') out += ch;
    } else {
      out += is_plain_token(*value) ? *value : quote(*value);
    }
    i = close;
  }
  return out;
}

Result<std::string> expand_template(const PipelineTemplate& tmpl, const Vars& vars) {
  auto line = expand_text(tmpl.launch, vars, tmpl.defaults, "template " + tmpl.name);
  if (!line) return line;
  // Fold the YAML's line breaks and runs of blanks into single spaces: one readable line.
  std::string folded;
  folded.reserve(line->size());
  bool in_quotes = false;
  for (char ch : *line) {
    if (ch == '"') in_quotes = !in_quotes;
    if (!in_quotes && (ch == '\n' || ch == '\t' || ch == ' ')) {
      if (!folded.empty() && folded.back() != ' ') folded += ' ';
      continue;
    }
    folded += ch;
  }
  while (!folded.empty() && folded.back() == ' ') folded.pop_back();
  return folded;
}

}  // namespace kek::core
