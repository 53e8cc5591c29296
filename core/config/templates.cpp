#include "config/templates.h"

#include "config/live_layout.h"
#include "config/yaml_reader.h"

#include <glib.h>

#include <algorithm>
#include <cstring>

namespace kek::core {

namespace {

// "3000k", "3M" or a plain number of kbit/s.
Result<int> parse_kbps(const YamlReader& r, const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) return r.fail(node, path, "must be a bitrate such as 3000k or 3M");
  std::string s = node.Scalar();
  int factor = 1;
  if (!s.empty() && (s.back() == 'k' || s.back() == 'K')) s.pop_back();
  else if (!s.empty() && (s.back() == 'm' || s.back() == 'M')) { s.pop_back(); factor = 1000; }
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end || v <= 0 || v > 200000 / factor)
    return r.fail(node, path, "must be a bitrate such as 3000k or 3M, not \"" + node.Scalar() + "\"");
  return static_cast<int>(v * factor);
}

Result<LadderRung> parse_rung(const YamlReader& r, const YAML::Node& node, const std::string& path) {
  if (auto s = r.expect_map(node, path); !s) return s.error();
  if (auto s = r.only_keys(node, path, {"name", "passthrough", "height", "bitrate"}); !s) return s.error();
  LadderRung rung;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string kpath = child_path(path, key);
    if (key == "name") {
      auto v = r.string(kv.second, kpath);
      if (!v) return v.error();
      rung.name = *v;
    } else if (key == "passthrough") {
      auto v = r.boolean(kv.second, kpath);
      if (!v) return v.error();
      rung.passthrough = *v;
    } else if (key == "height") {
      auto v = r.integer(kv.second, kpath, 32, 4320);
      if (!v) return v.error();
      rung.height = static_cast<int>(*v);
    } else if (key == "bitrate") {
      auto v = parse_kbps(r, kv.second, kpath);
      if (!v) return v.error();
      rung.bitrate_kbps = *v;
    }
  }
  if (rung.name.empty()) return r.fail(node, path + ".name", "every rung needs a name");
  for (char ch : rung.name)
    if (!g_ascii_isalnum(ch) && ch != '-' && ch != '_')
      return r.fail(node, path + ".name", "rung names use letters, digits, - and _ only");
  if (!rung.passthrough && (rung.height == 0 || rung.bitrate_kbps == 0))
    return r.fail(node, path, "an encoded rung needs height and bitrate (or passthrough: true)");
  return rung;
}

Status parse_layout_key(const YamlReader& r, const std::string& key, const YAML::Node& value, PipelineTemplate& t) {
  auto layout = [&]() -> LiveLayout& {
    if (!t.layout) t.layout.emplace();
    return *t.layout;
  };
  if (key == "source" || key == "output_dir" || key == "record_dir") {
    auto v = r.string(value, key);
    if (!v) return v.error();
    (key == "source" ? layout().source : key == "output_dir" ? layout().output_dir : layout().record_dir) = *v;
  } else if (key == "outputs") {
    auto v = r.strings(value, key);
    if (!v) return v.error();
    // Whether an output exists is known once the plugins registered theirs: checked when the
    // layout is expanded (and at start-up for the configured pipelines). Here only its form.
    for (size_t i = 0; i < v->size(); ++i) {
      const std::string& name = (*v)[i];
      bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      });
      if (!ok) return r.fail(value[i], index_path(key, i), "an output name (hls, dash, record, ...): a-z, 0-9, - and _");
    }
    layout().outputs = *v;
  } else if (key == "ladder") {
    if (!value.IsSequence()) return r.fail(value, key, "must be a list of rungs");
    for (size_t i = 0; i < value.size(); ++i) {
      auto rung = parse_rung(r, value[i], index_path(key, i));
      if (!rung) return rung.error();
      layout().ladder.push_back(*rung);
    }
  }
  return {};
}

}  // namespace

Result<PipelineTemplate> parse_template(std::string_view text, const std::string& file) {
  YamlReader r(file);
  auto root = r.parse(text);
  if (!root) return root.error();
  if (auto s = r.expect_map(*root, ""); !s) return s.error();
  if (auto s = r.only_keys(*root, "",
                           {"name", "description", "defaults", "directories", "launch", "source", "ladder",
                            "outputs", "output_dir", "record_dir"});
      !s)
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
    } else if (auto s = parse_layout_key(r, key, kv.second, t); !s) {
      return s.error();
    }
  }
  if (t.name.empty()) return config_error(r.mark(*root, "name"), "a template needs a name");
  if (t.layout && !t.launch.empty())
    return config_error(r.mark(*root, "launch"), "give either launch or source/ladder/outputs, not both");
  if (t.layout && t.layout->source.empty())
    return config_error(r.mark(*root, "source"), "a ladder/outputs template needs a source");
  if (!t.layout && t.launch.empty()) return config_error(r.mark(*root, "launch"), "a template needs a launch line");
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

VarLookup template_lookup(const PipelineTemplate& tmpl, const Vars& vars) {
  return [&tmpl, &vars](const std::string& name) {
    if (auto a = vars.find(name); a != vars.end()) return a->second;
    if (auto b = tmpl.defaults.find(name); b != tmpl.defaults.end()) return b->second;
    return std::string();
  };
}

Result<std::string> expand_template(const PipelineTemplate& tmpl, const Vars& vars,
                                    const LiveOutputRegistry* outputs) {
  std::string text = tmpl.launch;
  if (tmpl.generate) {
    auto generated = tmpl.generate(template_lookup(tmpl, vars));
    if (!generated) return wrap(generated.error(), "template " + tmpl.name);
    text = *generated;
  } else if (tmpl.layout) {
    if (!outputs) return Error{"template " + tmpl.name + ": a live layout needs the registered outputs", 500};
    auto generated = live_layout_line(*tmpl.layout, template_lookup(tmpl, vars), *outputs);
    if (!generated) return wrap(generated.error(), "template " + tmpl.name);
    text = generated->launch;
  }
  auto line = expand_text(text, vars, tmpl.defaults, "template " + tmpl.name);
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
