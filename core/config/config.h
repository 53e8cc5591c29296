// kek.yaml: read, validated against what kek knows, overridden by KEK_* environment variables.
// Every error names the file, line, column and key path.
#pragma once

#include <kek/error.h>
#include <kek/json.h>
#include <kek/pipelines.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kek::core {

// Where something stood in a YAML file, for messages: "kek.yaml:12:5: http.port".
struct Mark {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
  std::string path;  // key path, "plugins[0].args.port"

  std::string str() const;
};

// Builds the "file:line:col: key: message" error, code 400.
Error config_error(const Mark& at, const std::string& message);

struct PluginEntry {
  std::string name;
  bool optional = false;
  std::string args_json = "{}";              // args as JSON for the plugin's kek::Args
  std::map<std::string, Mark> arg_marks;     // top-level arg key -> where it stood
  Mark mark;
};

struct PipelineEntry {
  std::string id;
  std::string template_name;
  Vars vars;
  PipelineOptions options;
  Mark mark;
};

struct Config {
  std::string source;  // the file read, or "<embedded kek.yaml>"
  std::string data_dir = "var";
  std::string database = "var/kek.db";
  std::string media_dir = "var/media";
  std::string webui_dir;
  std::string http_address = "127.0.0.1";
  int http_port = 8080;
  int64_t max_body_bytes = 16 * 1024 * 1024;
  // Reverse proxies whose X-Forwarded-For/-Proto/-Host are believed (addresses or networks).
  std::vector<std::string> trusted_proxies;
  int http_header_timeout_s = 20;              // request headers (and keep-alive idle) within
  int http_body_timeout_s = 30;                // longest pause inside a request body
  int http_max_connections_per_address = 64;   // IPv4 address / IPv6 /64
  bool http_sendfile = true;  // http.sendfile: /media/ files from the page cache with sendfile(2)
  std::vector<std::string> plugin_dirs;
  std::vector<std::string> template_dirs;
  int shutdown_timeout_s = 5;
  std::string log_format = "text";  // log.format: text | json (--log-format overrides it)
  bool log_requests = true;         // log.requests: one line per HTTP request
  std::string metrics_token;        // metrics.token: a bearer token for /metrics ("" = admins only)
  int metrics_history_interval_s = 10;  // metrics.history_interval_s: the admin plots' sampling
  std::vector<PluginEntry> plugins;
  std::vector<PipelineEntry> pipelines;
};

// The kek.yaml compiled into the binary.
std::string_view embedded_config();

Result<Config> parse_config(std::string_view text, const std::string& source_name);
Result<Config> load_config_file(const std::string& path);
// Applies KEK_<KEY>=value (levels joined by "__") for known scalar keys.
Status apply_environment(Config& config, const std::vector<std::string>& environment);
// Empty folders in the config mean the defaults of this build (source tree, build tree).
void fill_build_defaults(Config& config);

}  // namespace kek::core
