#define G_LOG_DOMAIN "kek"
#include "host/app.h"

#include "config/templates.h"

#include <kek/services/identity.h>

#include <glib/gstdio.h>

#include <algorithm>

namespace kek::core {

// The Host one plugin sees. What it registers during init is staged here and handed to the
// real registries only when init succeeds, so a failing plugin leaves nothing behind.
class PluginContext : public Host, private Http, private Services, private Pipelines {
 public:
  PluginContext(App& app, LoadedPlugin loaded, const PluginEntry& entry)
      : app_(app), loaded_(std::move(loaded)), args_(make_args(entry)) {}

  // ---- Host ----
  std::string_view version() const override { return KEK_VERSION; }
  const std::string& plugin_name() const override { return loaded_.name; }
  const Args& args() const override { return args_; }
  const std::string& data_dir() const override { return app_.config().data_dir; }
  const std::string& media_dir() const override { return app_.config().media_dir; }
  Http& http() override { return committed_ ? static_cast<Http&>(app_.http()) : static_cast<Http&>(*this); }
  Database& db() override { return app_.db(); }
  EventBus& events() override { return app_.events(); }
  Pipelines& pipelines() override { return *this; }
  Services& services() override { return committed_ ? static_cast<Services&>(app_.services()) : *this; }
  void add_migrations(std::vector<Migration> migrations) override {
    for (auto& m : migrations) migrations_.push_back(std::move(m));
  }
  void add_command(std::string name, std::string help, CommandHandler handler) override {
    commands_.push_back({loaded_.name, std::move(name), std::move(help), std::move(handler)});
  }
  void on_start(std::function<Status()> fn) override { start_hooks_.push_back(std::move(fn)); }
  void on_stop(std::function<void()> fn) override { stop_hooks_.push_back(std::move(fn)); }
  void announce(std::string what, std::string url) override {
    app_.announcements_.emplace_back(std::move(what), std::move(url));
  }

  // ---- staging: Http ----
  void route(std::string method, std::string pattern, HttpHandler handler) override {
    staged_http_.push_back([=](Http& h) { h.route(method, pattern, handler); });
  }
  void route_async(std::string method, std::string pattern, AsyncHttpHandler handler) override {
    staged_http_.push_back([=](Http& h) { h.route_async(method, pattern, handler); });
  }
  void guard(std::string prefix, HttpGuard g) override {
    staged_http_.push_back([=](Http& h) { h.guard(prefix, g); });
  }
  void route_streaming(std::string method, std::string pattern, int64_t max_body_bytes,
                       StreamingHttpHandler handler) override {
    staged_http_.push_back([=](Http& h) { h.route_streaming(method, pattern, max_body_bytes, handler); });
  }
  void websocket(std::string pattern, WebSocketRoute route) override {
    staged_http_.push_back([=](Http& h) { h.websocket(pattern, route); });
  }
  void hold_media(MediaHold hold) override {
    staged_http_.push_back([=](Http& h) { h.hold_media(hold); });
  }
  // ---- staging: Services (a plugin may look up what earlier plugins provide) ----
  void provide(const std::string& name, void* service) override { staged_services_.emplace_back(name, service); }
  void* lookup(const std::string& name) const override {
    for (const auto& [n, s] : staged_services_)
      if (n == name) return s;
    return app_.services().lookup(name);
  }

  // ---- Pipelines: templates are stamped with this plugin as their origin ----
  Status add_template(PipelineTemplate tmpl) override {
    tmpl.origin = "plugin:" + loaded_.name;
    return app_.pipelines().add_template(std::move(tmpl));
  }
  std::optional<PipelineTemplate> find_template(const std::string& name) const override {
    return app_.pipelines().find_template(name);
  }
  Result<std::string> expand(const std::string& name, const Vars& vars) const override {
    return app_.pipelines().expand(name, vars);
  }
  Status start(const std::string& id, const std::string& name, const Vars& vars, PipelineOptions options) override {
    return app_.pipelines().start(id, name, vars, options);
  }
  Status stop(const std::string& id) override { return app_.pipelines().stop(id); }
  Status restart(const std::string& id) override { return app_.pipelines().restart(id); }
  std::optional<PipelineInfo> info(const std::string& id) const override { return app_.pipelines().info(id); }
  std::vector<PipelineInfo> list() const override { return app_.pipelines().list(); }
  Status add_live_output(LiveOutput output) override {
    return app_.pipelines().add_live_output(std::move(output), "plugin:" + loaded_.name);
  }
  LivePublication live_publication(const std::string& name, const Vars& vars, int64_t since_us) const override {
    return app_.pipelines().live_publication(name, vars, since_us);
  }
  Status set_live_scaler(std::string launch) override {
    return app_.pipelines().set_live_scaler(std::move(launch), "plugin:" + loaded_.name);
  }

  Status init() {
    char error[1024] = "";
    int rc = loaded_.descriptor->init(static_cast<Host*>(this), error, sizeof error);
    if (rc != 0) return Error{std::string("init failed: ") + (error[0] ? error : "no reason given"), 500};
    return {};
  }
  // Hands what init registered to the host.
  void commit() {
    for (auto& f : staged_http_) f(app_.http());
    for (auto& [n, s] : staged_services_) app_.services().provide(n, s);
    for (auto& c : commands_) app_.commands_.push_back(c);
    if (!migrations_.empty()) app_.migrations_.push_back({loaded_.name, migrations_});
    staged_http_.clear();
    staged_services_.clear();
    committed_ = true;
  }
  Status run_start_hooks() {
    for (auto& f : start_hooks_)
      if (auto s = f(); !s) return wrap(s.error(), "plugin " + loaded_.name);
    return {};
  }
  void run_stop_hooks() {
    for (auto it = stop_hooks_.rbegin(); it != stop_hooks_.rend(); ++it) (*it)();
  }
  const LoadedPlugin& loaded() const { return loaded_; }

 private:
  static Args make_args(const PluginEntry& entry) {
    auto doc = JsonDoc::parse(entry.args_json);
    auto marks = entry.arg_marks;
    Mark base = entry.mark;
    base.path += ".args";
    return Args(doc ? std::move(*doc) : JsonDoc(json_node_new(JSON_NODE_OBJECT)),
                [marks, base](const std::string& key) {
                  auto it = marks.find(key);
                  if (it != marks.end()) return it->second.str();
                  Mark m = base;
                  m.path += "." + key;
                  return m.str();
                });
  }

  App& app_;
  LoadedPlugin loaded_;
  Args args_;
  bool committed_ = false;
  std::vector<std::function<void(Http&)>> staged_http_;
  std::vector<std::pair<std::string, void*>> staged_services_;
  std::vector<PluginCommand> commands_;
  std::vector<Migration> migrations_;
  std::vector<std::function<Status()>> start_hooks_;
  std::vector<std::function<void()>> stop_hooks_;
};

App::App(Config config) : config_(std::move(config)), events_(nullptr) {
  host_context_ = make_services_context(&services_);

  PipelineManagerConfig pm;
  pm.builtins = {{"media_dir", config_.media_dir}, {"data_dir", config_.data_dir}};
  pm.host_context = host_context_.get();
  pm.events = &events_;
  pm.stop_timeout_ms = static_cast<guint>(std::max(1, config_.shutdown_timeout_s) * 1000);
  pipelines_ = std::make_unique<PipelineManager>(pm);

  HttpConfig hc;
  hc.address = config_.http_address;
  hc.port = config_.http_port;
  hc.max_body_bytes = config_.max_body_bytes;
  hc.trusted_proxies = config_.trusted_proxies;
  hc.connections.header_timeout_s = config_.http_header_timeout_s;
  hc.connections.body_timeout_s = config_.http_body_timeout_s;
  hc.connections.max_connections_per_address = config_.http_max_connections_per_address;
  hc.media_fast_path = config_.http_sendfile;
  hc.media_dir = config_.media_dir;
  hc.webui_dir = config_.webui_dir;
  hc.log_requests = config_.log_requests;
  http_ = HttpServer::create(hc);
  g_autoptr(GMainContext) main_context = g_main_context_ref_thread_default();
  browser_events_ = std::make_unique<http::EventStreamHub>(services_, main_context);
  services_.provide(BrowserEvents::kName, static_cast<BrowserEvents*>(browser_events_.get()));
  http_->set_request_observer([this](const http::RequestRecord& r) { http_metrics_.observe(r); });

  // Plugins find the metrics service from their init on.
  services_.provide(Metrics::kName, static_cast<void*>(static_cast<Metrics*>(&metrics_)));
  register_core_metrics();
  history_ = std::make_unique<metrics::MetricsHistory>(
      metrics_,
      std::set<std::string>{"kek_stream_ingest_bytes_per_second", "kek_stream_viewers",
                            "process_resident_memory_bytes"},
      std::set<std::string>{"process_cpu_seconds_total"}, config_.metrics_history_interval_s);

  images_ = std::make_unique<ImageService>();
  services_.provide(Images::kName, static_cast<Images*>(images_.get()));
}

App::~App() {
  images_.reset();  // running jobs stop; their answers to plugins are dropped
  history_.reset();
  pipelines_.reset();
  plugins_.clear();
  browser_events_.reset();
}

std::vector<const LoadedPlugin*> App::plugins() const {
  std::vector<const LoadedPlugin*> out;
  for (const auto& p : plugins_) out.push_back(&p->loaded());
  return out;
}

Status App::load() {
  // Every kek plugin's GStreamer face (its elements) is usable in pipelines, configured as a
  // kek plugin or not: kekhlssink works in a template whether or not `hls` is listed.
  for (const auto& dir : config_.plugin_dirs)
    if (g_file_test(dir.c_str(), G_FILE_TEST_IS_DIR)) gst_registry_scan_path(gst_registry_get(), dir.c_str());
  auto templates = load_templates(config_.template_dirs);
  if (!templates) return templates.error();
  for (auto& t : *templates)
    if (auto s = pipelines_->add_template(std::move(t)); !s) return Error{s.error().message, 400};

  for (const auto& entry : config_.plugins) load_plugin(entry);

  // A layout may list an output whose plugin is not configured: say so now, not at the first publish.
  for (const auto& t : pipelines_->templates()) {
    if (!t.layout) continue;
    for (const auto& name : t.layout->outputs)
      if (!pipelines_->live_outputs().find(name))
        g_warning("template %s (%s) lists output '%s', which no plugin registered (registered: %s): streams "
                  "using it will not start",
                  t.name.c_str(), t.origin.c_str(), name.c_str(), pipelines_->live_outputs().names().c_str());
  }

  for (const auto& p : config_.pipelines) {
    if (!pipelines_->find_template(p.template_name)) {
      std::string known;
      for (const auto& t : pipelines_->templates()) known += (known.empty() ? "" : ", ") + t.name;
      return config_error(p.mark, "no pipeline template named '" + p.template_name + "' (known: " + known + ")");
    }
    Vars vars = p.vars;
    vars["id"] = p.id;
    if (auto line = pipelines_->expand(p.template_name, vars); !line)
      return config_error(p.mark, line.error().message);
  }
  return {};
}

void App::load_plugin(const PluginEntry& entry) {
  auto refuse = [&](const std::string& path, const std::string& reason) {
    g_warning("%s", reason.c_str());
    refused_.push_back({entry.name, path, reason});
  };
  auto path = find_plugin_file(config_.plugin_dirs, entry.name);
  if (!path) {
    if (entry.optional) {
      g_message("optional plugin %s is not installed: %s", entry.name.c_str(), path.error().message.c_str());
      return;
    }
    refuse("", path.error().message);
    return;
  }
  auto loaded = open_plugin(*path, entry.name);
  if (!loaded) {
    refuse(*path, loaded.error().message);
    return;
  }
  auto ctx = std::make_unique<PluginContext>(*this, std::move(*loaded), entry);
  if (auto s = ctx->init(); !s) {
    refuse(*path, "plugin " + *path + " refused: " + s.error().message);
    pipelines_->remove_plugin_templates(entry.name);
    return;
  }
  ctx->commit();
  g_message("plugin %s %s loaded from %s", ctx->loaded().name.c_str(), ctx->loaded().version.c_str(),
            path->c_str());
  plugins_.push_back(std::move(ctx));
}

Status App::open_database() {
  for (const auto& dir : {config_.data_dir, config_.media_dir}) {
    if (g_mkdir_with_parents(dir.c_str(), 0750) != 0)
      return Error{"cannot create " + dir + ": " + g_strerror(errno), 500};
  }
  g_autofree char* db_dir = g_path_get_dirname(config_.database.c_str());
  if (g_mkdir_with_parents(db_dir, 0750) != 0)
    return Error{std::string("cannot create ") + db_dir + ": " + g_strerror(errno), 500};
  auto db = SqliteDatabase::open(config_.database);
  if (!db) return db.error();
  db_ = std::move(*db);
  db_->set_statement_observer([this](double seconds) { db_latency_.observe(seconds); });
  if (auto s = db_->migrate(migrations_); !s) return wrap(s.error(), "database " + config_.database);
  return {};
}

Status App::serve() {
  register_core_routes();
  register_metrics_routes();
  register_media_guard();
  history_->start();
  if (auto s = http_->listen(); !s) return s;
  for (auto& p : plugins_)
    if (auto s = p->run_start_hooks(); !s) return s;
  // An access provider is a plugin that provides kek::Identity (accounts: the auth plugin).
  // Without one nobody is anybody, so what only an admin may do nobody may do.
  if (!services_.get<Identity>())
    g_warning("no access provider (the auth plugin) is loaded: there are no accounts, pipelines cannot be "
              "started, stopped or drawn over HTTP, and media that a policy made private or unlisted is not served");
  serving_ = true;
  pipelines_->preload_elements();
  if (auto s = start_configured_pipelines(); !s) return s;
  return {};
}

Status App::start_configured_pipelines() {
  for (const auto& p : config_.pipelines) {
    // A pipeline that fails here is reported by its state; the others still start.
    if (auto s = pipelines_->start(p.id, p.template_name, p.vars, p.options); !s)
      g_warning("%s", s.error().message.c_str());
  }
  return {};
}

void App::shutdown() {
  if (!serving_) return;
  serving_ = false;
  g_message("stopping: sending EOS to pipelines (at most %d s)", config_.shutdown_timeout_s);
  pipelines_->stop_all(static_cast<guint>(config_.shutdown_timeout_s * 1000));
  for (auto it = plugins_.rbegin(); it != plugins_.rend(); ++it) (*it)->run_stop_hooks();
  http_->close();
  events_.dispatch_pending();
}

Status App::reload() {
  auto templates = load_templates(config_.template_dirs);
  if (!templates) return templates.error();
  auto changed = pipelines_->replace_file_templates(std::move(*templates));
  int restarted = 0;
  for (const auto& p : config_.pipelines) {
    if (!pipelines_->definition_changed(p.id, p.template_name, p.vars)) continue;  // leave it running
    if (auto line = pipelines_->expand(p.template_name, p.vars); !line) {
      g_warning("reload: pipeline %s: %s", p.id.c_str(), line.error().message.c_str());
      continue;
    }
    g_message("reload: pipeline %s changed, restarting it", p.id.c_str());
    if (pipelines_->info(p.id)) {
      (void)pipelines_->stop(p.id);
      pipelines_->wait_until_ended(p.id, static_cast<guint>(config_.shutdown_timeout_s * 1000));
    }
    if (auto s = pipelines_->start(p.id, p.template_name, p.vars, p.options); !s)
      g_warning("reload: %s", s.error().message.c_str());
    ++restarted;
  }
  g_message("reload: %zu template(s) changed, %d pipeline(s) restarted", changed.size(), restarted);
  return {};
}

}  // namespace kek::core
