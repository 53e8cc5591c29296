// The kek process as one object: config, database, event bus, HTTP, pipelines, plugins, and
// their order of start and stop. `kek serve` and the offline commands all go through it.
#pragma once

#include "config/config.h"
#include "db/sqlite_database.h"
#include "events/event_bus.h"
#include "host/plugin_loader.h"
#include "host/service_registry.h"
#include "http/event_stream.h"
#include "http/server.h"
#include "metrics/histogram.h"
#include "metrics/history.h"
#include "metrics/http_metrics.h"
#include "metrics/registry.h"
#include "images/image_service.h"
#include "pipeline/pipeline_manager.h"

#include <kek/host.h>
#include <kek/mini_ref.h>
#include <kek/services_context.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kek::core {

class PluginContext;

struct RefusedPlugin {
  std::string name;
  std::string path;
  std::string reason;
};

struct PluginCommand {
  std::string plugin;
  std::string name;
  std::string help;
  CommandHandler handler;
};

class App {
 public:
  explicit App(Config config);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Loads templates and plugins and checks the config against them. Nothing is opened for
  // writing and nothing listens: `kek config check` stops here. Errors with code 400 are the
  // config's fault (exit 2).
  Status load();
  // Creates data folders, opens the database and applies pending migrations.
  Status open_database();
  // HTTP listens, plugins start, configured pipelines start, the banner is printed.
  Status serve();
  // SIGINT/SIGTERM: pipelines get EOS (bounded wait), plugins stop, HTTP closes.
  void shutdown();
  // SIGHUP: re-reads template files; restarts only instances whose line changed.
  Status reload();

  const Config& config() const { return config_; }
  PipelineManager& pipelines() { return *pipelines_; }
  HttpServer& http() { return *http_; }
  SqliteDatabase& db() { return *db_; }
  MainEventBus& events() { return events_; }
  ServiceRegistry& services() { return services_; }
  metrics::MetricsRegistry& metrics() { return metrics_; }
  const std::vector<PluginCommand>& commands() const { return commands_; }
  const std::vector<RefusedPlugin>& refused_plugins() const { return refused_; }
  // The plugins that loaded, in config order.
  std::vector<const LoadedPlugin*> plugins() const;
  const std::vector<std::pair<std::string, std::string>>& announcements() const { return announcements_; }

 private:
  friend class PluginContext;
  void load_plugin(const PluginEntry& entry);
  Status start_configured_pipelines();
  void register_core_routes();
  void register_media_guard();
  enum class PipelineAccess { admin, not_admin, anonymous, no_provider };
  PipelineAccess pipeline_access(const HttpRequest& request) const;
  // A refusal when the caller may not read (control false) or control (true) pipelines.
  std::optional<HttpResponse> refuse_pipeline_access(const HttpRequest& request, bool control) const;
  void register_core_metrics();
  void register_metrics_routes();
  std::optional<HttpResponse> refuse_metrics(const HttpRequest& request, bool allow_token);

  Config config_;
  MainEventBus events_;
  ServiceRegistry services_;
  MiniRef<GstContext> host_context_;  // kek.services, holding &services_
  std::unique_ptr<PipelineManager> pipelines_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<http::EventStreamHub> browser_events_;  // before http_ goes: it ends its streams
  std::unique_ptr<ImageService> images_;  // kek::Images for every plugin
  std::unique_ptr<SqliteDatabase> db_;
  std::vector<std::unique_ptr<PluginContext>> plugins_;
  std::vector<RefusedPlugin> refused_;
  std::vector<PluginCommand> commands_;
  std::vector<std::pair<std::string, std::string>> announcements_;
  std::vector<PluginMigrations> migrations_;
  metrics::MetricsRegistry metrics_;
  metrics::HttpMetrics http_metrics_;
  metrics::Histogram db_latency_;
  std::unique_ptr<metrics::MetricsHistory> history_;
  bool serving_ = false;
};

}  // namespace kek::core
