#include "config/config.h"

#include "config/install_paths.h"
#include "config/yaml_reader.h"
#include "http/forwarded.h"

#include <glib.h>

#include <functional>

namespace kek::core {

namespace {

Status parse_http(const YamlReader& r, const YAML::Node& node, Config& c) {
  if (auto s = r.expect_map(node, "http"); !s) return s;
  if (auto s = r.only_keys(node, "http", {"address", "port", "max_body_bytes", "trusted_proxies", "header_timeout_s",
                                          "body_timeout_s", "max_connections_per_address", "sendfile"});
      !s)
    return s;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string path = child_path("http", key);
    if (key == "address") {
      auto v = r.string(kv.second, path);
      if (!v) return v.error();
      c.http_address = *v;
    } else if (key == "port") {
      auto v = r.integer(kv.second, path, 0, 65535);
      if (!v) return v.error();
      c.http_port = static_cast<int>(*v);
    } else if (key == "max_body_bytes") {
      auto v = r.integer(kv.second, path, 1024, int64_t{1} << 40);
      if (!v) return v.error();
      c.max_body_bytes = *v;
    } else if (key == "trusted_proxies") {
      auto v = r.strings(kv.second, path);
      if (!v) return v.error();
      if (auto proxies = http::TrustedProxies::parse(*v); !proxies) return r.fail(kv.second, path, proxies.error().message);
      c.trusted_proxies = *v;
    } else if (key == "header_timeout_s" || key == "body_timeout_s" || key == "max_connections_per_address") {
      auto v = r.integer(kv.second, path, 1, key == "max_connections_per_address" ? 100000 : 3600);
      if (!v) return v.error();
      int& field = key == "header_timeout_s" ? c.http_header_timeout_s
                   : key == "body_timeout_s" ? c.http_body_timeout_s
                                             : c.http_max_connections_per_address;
      field = static_cast<int>(*v);
    } else if (key == "sendfile") {
      auto v = r.boolean(kv.second, path);
      if (!v) return v.error();
      c.http_sendfile = *v;
    }
  }
  return {};
}

Status parse_log(const YamlReader& r, const YAML::Node& node, Config& c) {
  if (auto s = r.expect_map(node, "log"); !s) return s;
  if (auto s = r.only_keys(node, "log", {"format", "requests"}); !s) return s;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string path = child_path("log", key);
    if (key == "format") {
      auto v = r.string(kv.second, path);
      if (!v) return v.error();
      if (*v != "text" && *v != "json") return r.fail(kv.second, path, "must be text or json");
      c.log_format = *v;
    } else if (key == "requests") {
      auto v = r.boolean(kv.second, path);
      if (!v) return v.error();
      c.log_requests = *v;
    }
  }
  return {};
}

Status parse_metrics(const YamlReader& r, const YAML::Node& node, Config& c) {
  if (auto s = r.expect_map(node, "metrics"); !s) return s;
  if (auto s = r.only_keys(node, "metrics", {"token", "history_interval_s"}); !s) return s;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string path = child_path("metrics", key);
    if (key == "token") {
      auto v = r.string(kv.second, path);
      if (!v) return v.error();
      if (!v->empty() && v->size() < 16) return r.fail(kv.second, path, "must be at least 16 characters (or empty)");
      c.metrics_token = *v;
    } else if (key == "history_interval_s") {
      auto v = r.integer(kv.second, path, 1, 60);
      if (!v) return v.error();
      c.metrics_history_interval_s = static_cast<int>(*v);
    }
  }
  return {};
}

Status parse_plugins(const YamlReader& r, const YAML::Node& node, Config& c) {
  if (node.IsNull()) return {};
  if (!node.IsSequence()) return r.fail(node, "plugins", "must be a list of {name, args, optional}");
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string path = index_path("plugins", i);
    PluginEntry p;
    p.mark = r.mark(item, path);
    if (item.IsScalar()) {  // "- rtmp" is short for "- name: rtmp"
      p.name = item.Scalar();
    } else if (auto s = r.expect_map(item, path); !s) {
      return s;
    }
    if (!item.IsScalar())
      if (auto s = r.only_keys(item, path, {"name", "args", "optional"}); !s) return s;
    bool has_name = item.IsScalar();
    for (const auto& kv : item) {
      if (item.IsScalar()) break;
      const std::string key = kv.first.Scalar();
      const std::string kpath = child_path(path, key);
      if (key == "name") {
        auto v = r.string(kv.second, kpath);
        if (!v) return v.error();
        p.name = *v;
        has_name = true;
      } else if (key == "optional") {
        auto v = r.boolean(kv.second, kpath);
        if (!v) return v.error();
        p.optional = *v;
      } else if (key == "args") {
        if (kv.second.IsNull()) continue;
        if (auto s = r.expect_map(kv.second, kpath); !s) return s;
        auto json = r.to_json(kv.second, kpath);
        if (!json) return json.error();
        p.args_json = *json;
        for (const auto& arg : kv.second)
          p.arg_marks[arg.first.Scalar()] = r.mark(arg.first, child_path(kpath, arg.first.Scalar()));
      }
    }
    if (!has_name || p.name.empty()) return r.fail(item, path + ".name", "every plugin needs a name");
    for (const auto& other : c.plugins)
      if (other.name == p.name) return r.fail(item, path + ".name", "plugin '" + p.name + "' is listed twice");
    c.plugins.push_back(std::move(p));
  }
  return {};
}

Status parse_pipelines(const YamlReader& r, const YAML::Node& node, Config& c) {
  if (node.IsNull()) return {};
  if (!node.IsSequence()) return r.fail(node, "pipelines", "must be a list of {id, template, vars}");
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string path = index_path("pipelines", i);
    if (auto s = r.expect_map(item, path); !s) return s;
    if (auto s = r.only_keys(item, path, {"id", "template", "vars", "restart_on_eos", "max_restarts"}); !s)
      return s;
    PipelineEntry p;
    p.mark = r.mark(item, path);
    for (const auto& kv : item) {
      const std::string key = kv.first.Scalar();
      const std::string kpath = child_path(path, key);
      if (key == "id" || key == "template") {
        auto v = r.string(kv.second, kpath);
        if (!v) return v.error();
        (key == "id" ? p.id : p.template_name) = *v;
        if (key == "template") p.mark = r.mark(kv.second, kpath);
      } else if (key == "vars") {
        auto v = r.scalar_map(kv.second, kpath);
        if (!v) return v.error();
        p.vars = *v;
      } else if (key == "restart_on_eos") {
        auto v = r.boolean(kv.second, kpath);
        if (!v) return v.error();
        p.options.restart_on_eos = *v;
      } else if (key == "max_restarts") {
        auto v = r.integer(kv.second, kpath, 0, 1000);
        if (!v) return v.error();
        p.options.max_restarts = static_cast<int>(*v);
      }
    }
    if (p.template_name.empty()) return r.fail(item, path + ".template", "every pipeline needs a template");
    if (p.id.empty()) p.id = p.template_name;
    for (const auto& other : c.pipelines)
      if (other.id == p.id) return r.fail(item, path + ".id", "pipeline id '" + p.id + "' is used twice");
    c.pipelines.push_back(std::move(p));
  }
  return {};
}

}  // namespace

Result<Config> parse_config(std::string_view text, const std::string& source_name) {
  YamlReader r(source_name);
  auto root = r.parse(text);
  if (!root) return root.error();
  Config c;
  c.source = source_name;
  if (root->IsNull()) return c;  // an empty file: all defaults
  if (auto s = r.expect_map(*root, ""); !s) return s.error();
  if (auto s = r.only_keys(*root, "",
                           {"data_dir", "database", "media_dir", "webui_dir", "http", "plugin_dirs",
                            "template_dirs", "shutdown_timeout_s", "log", "metrics", "plugins", "pipelines"});
      !s)
    return s.error();

  for (const auto& kv : *root) {
    const std::string key = kv.first.Scalar();
    Status s;
    auto set_string = [&](std::string& field) -> Status {
      auto v = r.string(kv.second, key);
      if (!v) return v.error();
      field = *v;
      return {};
    };
    auto set_strings = [&](std::vector<std::string>& field) -> Status {
      auto v = r.strings(kv.second, key);
      if (!v) return v.error();
      field = *v;
      return {};
    };
    if (key == "data_dir") s = set_string(c.data_dir);
    else if (key == "database") s = set_string(c.database);
    else if (key == "media_dir") s = set_string(c.media_dir);
    else if (key == "webui_dir") s = set_string(c.webui_dir);
    else if (key == "http") s = parse_http(r, kv.second, c);
    else if (key == "plugin_dirs") s = set_strings(c.plugin_dirs);
    else if (key == "template_dirs") s = set_strings(c.template_dirs);
    else if (key == "log") s = parse_log(r, kv.second, c);
    else if (key == "metrics") s = parse_metrics(r, kv.second, c);
    else if (key == "plugins") s = parse_plugins(r, kv.second, c);
    else if (key == "pipelines") s = parse_pipelines(r, kv.second, c);
    else if (key == "shutdown_timeout_s") {
      auto v = r.integer(kv.second, key, 0, 600);
      if (!v) return v.error();
      c.shutdown_timeout_s = static_cast<int>(*v);
    }
    if (!s) return s.error();
  }
  return c;
}

Result<Config> load_config_file(const std::string& path) {
  g_autofree char* text = nullptr;
  gsize length = 0;
  GError* err = nullptr;
  if (!g_file_get_contents(path.c_str(), &text, &length, &err)) {
    Error e{path + ": cannot read: " + err->message, 400};
    g_error_free(err);
    return e;
  }
  return parse_config(std::string_view(text, length), path);
}

Status apply_environment(Config& c, const std::vector<std::string>& environment) {
  struct Key {
    const char* name;
    std::function<Status(const std::string&, const std::string&)> set;
  };
  auto str = [](std::string& field) {
    return [&field](const std::string&, const std::string& v) -> Status { field = v; return {}; };
  };
  auto num = [](auto& field, int64_t min, int64_t max) {
    return [&field, min, max](const std::string& var, const std::string& v) -> Status {
      char* end = nullptr;
      errno = 0;
      long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end || errno || n < min || n > max)
        return Error{"environment " + var + "=" + v + ": must be an integer between " +
                         std::to_string(min) + " and " + std::to_string(max), 400};
      field = static_cast<std::remove_reference_t<decltype(field)>>(n);
      return {};
    };
  };
  const Key keys[] = {
      {"KEK_DATA_DIR", str(c.data_dir)},
      {"KEK_DATABASE", str(c.database)},
      {"KEK_MEDIA_DIR", str(c.media_dir)},
      {"KEK_WEBUI_DIR", str(c.webui_dir)},
      {"KEK_HTTP__ADDRESS", str(c.http_address)},
      {"KEK_HTTP__PORT", num(c.http_port, 0, 65535)},
      {"KEK_HTTP__MAX_BODY_BYTES", num(c.max_body_bytes, 1024, int64_t{1} << 40)},
      {"KEK_HTTP__MAX_CONNECTIONS_PER_ADDRESS", num(c.http_max_connections_per_address, 1, 100000)},
      {"KEK_SHUTDOWN_TIMEOUT_S", num(c.shutdown_timeout_s, 0, 600)},
      {"KEK_METRICS__TOKEN", str(c.metrics_token)},
      {"KEK_LOG__FORMAT", [&c](const std::string& var, const std::string& v) -> Status {
         if (v != "text" && v != "json") return Error{"environment " + var + "=" + v + ": must be text or json", 400};
         c.log_format = v;
         return {};
       }},
  };
  for (const auto& entry : environment) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = entry.substr(0, eq);
    for (const auto& k : keys)
      if (name == k.name)
        if (auto s = k.set(name, entry.substr(eq + 1)); !s) return s;
  }
  return {};
}

void fill_build_defaults(Config& c) {
  const InstallPaths paths = install_paths();
  if (c.webui_dir.empty()) c.webui_dir = paths.webui_dir;
  if (c.template_dirs.empty()) c.template_dirs.push_back(paths.template_dir);
  if (c.plugin_dirs.empty()) c.plugin_dirs.push_back(paths.plugin_dir);
}

}  // namespace kek::core
