// The core's own JSON API: health, pipelines (state, line, graph), templates.
#define G_LOG_DOMAIN "kek-api"
#include "host/app.h"

#include <kek/json.h>
#include <kek/services/identity.h>

#include <gio/gio.h>

#include <algorithm>
#include <memory>

namespace kek::core {

namespace {

void write_pipeline(JsonWriter& w, const PipelineInfo& p, bool full) {
  w.begin_object();
  w.member("id", p.id).member("template", p.template_name).member("state", to_string(p.state));
  w.member("uptime_s", p.uptime_s).member("restarts", p.restarts);
  if (p.last_error.empty()) w.key("last_error").null();
  else w.member("last_error", p.last_error);
  if (full) {
    if (p.position_ns >= 0) w.member("position_s", static_cast<double>(p.position_ns) / 1e9);
    if (p.duration_ns >= 0) w.member("duration_s", static_cast<double>(p.duration_ns) / 1e9);
    w.member("launch", p.launch);
    w.key("vars").begin_object();
    for (const auto& [k, v] : p.vars) w.member(k, v);
    w.end_object();
  }
  w.end_object();
}

// dot -Tsvg without blocking the main loop: the subprocess is awaited asynchronously.
void render_svg(const std::string& dot, HttpResponder respond) {
  GError* err = nullptr;
  g_autoptr(GSubprocess) proc = g_subprocess_new(
      static_cast<GSubprocessFlags>(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                    G_SUBPROCESS_FLAGS_STDERR_PIPE),
      &err, "dot", "-Tsvg", nullptr);
  if (!proc) {
    std::string msg = std::string("graphviz 'dot' is not available: ") + err->message;
    g_error_free(err);
    respond(HttpResponse::error(500, msg));
    return;
  }
  g_autoptr(GBytes) input = g_bytes_new(dot.data(), dot.size());
  auto pending = std::make_unique<HttpResponder>(std::move(respond));  // the callback takes it over
  g_subprocess_communicate_async(
      proc, input, nullptr,
      [](GObject* source, GAsyncResult* res, gpointer data) {
        std::unique_ptr<HttpResponder> responder(static_cast<HttpResponder*>(data));
        GBytes* out = nullptr;
        GBytes* errout = nullptr;
        GError* e = nullptr;
        if (!g_subprocess_communicate_finish(G_SUBPROCESS(source), res, &out, &errout, &e)) {
          (*responder)(HttpResponse::error(500, std::string("dot failed: ") + e->message));
          g_error_free(e);
          return;
        }
        g_autoptr(GBytes) out_owned = out;
        g_autoptr(GBytes) err_owned = errout;
        if (!g_subprocess_get_successful(G_SUBPROCESS(source))) {
          gsize n = 0;
          const char* text = err_owned ? static_cast<const char*>(g_bytes_get_data(err_owned, &n)) : "";
          (*responder)(HttpResponse::error(500, "dot failed: " + std::string(text ? text : "", n)));
          return;
        }
        gsize n = 0;
        const char* svg = static_cast<const char*>(g_bytes_get_data(out_owned, &n));
        HttpResponse r;
        r.content_type = "image/svg+xml";
        r.headers.emplace_back("Cache-Control", "no-cache");
        r.body.assign(svg ? svg : "", n);
        (*responder)(std::move(r));
      },
      pending.release());
}

}  // namespace

// Who may see pipeline details and control pipelines. With an access provider (the Identity
// service: the auth plugin) that is admins only. Without one there are no accounts: details
// stay readable, but nothing may be started, stopped or drawn, since anyone could.
App::PipelineAccess App::pipeline_access(const HttpRequest& request) const {
  auto* identity = services_.get<Identity>();
  if (!identity) return PipelineAccess::no_provider;
  auto user = identity->user_of(request);
  if (!user) {
    g_warning("pipelines: who is asking cannot be told: %s", user.error().message.c_str());
    return PipelineAccess::anonymous;
  }
  if (!*user) return PipelineAccess::anonymous;
  return (*user)->admin ? PipelineAccess::admin : PipelineAccess::not_admin;
}

std::optional<HttpResponse> App::refuse_pipeline_access(const HttpRequest& request, bool control) const {
  switch (pipeline_access(request)) {
    case PipelineAccess::admin: return std::nullopt;
    case PipelineAccess::no_provider:
      if (!control) return std::nullopt;
      return HttpResponse::error(403, "no_access_provider",
                                 "this server runs without accounts (no auth plugin), so nobody may control pipelines over HTTP");
    case PipelineAccess::anonymous: return HttpResponse::error(401, "sign in first");
    case PipelineAccess::not_admin: return HttpResponse::error(403, "admin_only", "only admins may do this");
  }
  return HttpResponse::error(403, "admin_only", "only admins may do this");
}

void App::register_core_routes() {
  Http& h = *http_;
  // Server-Sent Events for browsers (kek::BrowserEvents): each client sees what it may see.
  http_->route_raw("GET", "/api/events", [this](SoupServerMessage* msg, const HttpRequest& request) {
    browser_events_->serve(msg, request);
  });
  // Public: what runs and where to publish. Pipeline details (the ids of plugin pipelines name
  // users' streams and jobs; errors and uptimes say what happens on the server) only for those
  // pipeline_access lets read them. Everyone else sees the pipelines the operator configured
  // in kek.yaml (the demo, restreamed cameras: what the Live page offers), by id and state only.
  h.route("GET", "/api/health", [this](const HttpRequest& request) {
    const bool details = !refuse_pipeline_access(request, false);
    JsonWriter w;
    w.begin_object().member("status", "ok").member("version", KEK_VERSION);
    w.key("plugins").begin_array();
    for (const LoadedPlugin* p : plugins())
      w.begin_object().member("name", p->name).member("version", p->version).member("description", p->description).end_object();
    w.end_array();
    w.key("refused_plugins").begin_array();
    for (const auto& r : refused_)
      w.begin_object().member("name", r.name).member("path", r.path).member("reason", r.reason).end_object();
    w.end_array();
    w.key("pipelines").begin_array();
    for (const auto& p : pipelines_->list()) {
      if (details) {
        write_pipeline(w, p, false);
      } else if (std::any_of(config_.pipelines.begin(), config_.pipelines.end(),
                             [&](const PipelineEntry& c) { return c.id == p.id; })) {
        w.begin_object().member("id", p.id).member("template", p.template_name).member("state", to_string(p.state)).end_object();
      }
    }
    w.end_array();
    w.key("endpoints").begin_object();
    w.member("http", http_->url());
    for (const auto& [what, url] : announcements_) w.member(what, url);
    w.end_object();
    w.end_object();
    HttpResponse response = HttpResponse::json(w.str());
    response.headers.emplace_back("Cache-Control", "private, no-store");  // it depends on who asks
    return response;
  });

  h.route("GET", "/api/pipelines", [this](const HttpRequest& req) {
    if (auto refused = refuse_pipeline_access(req, false)) return *refused;
    JsonWriter w;
    w.begin_array();
    for (const auto& p : pipelines_->list()) write_pipeline(w, p, true);
    w.end_array();
    return HttpResponse::json(w.str());
  });

  h.route("GET", "/api/pipelines/{id}", [this](const HttpRequest& req) {
    if (auto refused = refuse_pipeline_access(req, false)) return *refused;
    auto info = pipelines_->info(req.params.at("id"));
    if (!info) return HttpResponse::error(404, "no_such_pipeline", "no pipeline '" + req.params.at("id") + "'");
    JsonWriter w;
    write_pipeline(w, *info, true);
    return HttpResponse::json(w.str());
  });

  h.route_async("GET", "/api/pipelines/{id}/graph.svg", [this](const HttpRequest& req, HttpResponder respond) {
    if (auto refused = refuse_pipeline_access(req, true)) return respond(*refused);
    auto dot = pipelines_->dot(req.params.at("id"));
    if (!dot) {
      respond(HttpResponse::from(dot.error()));
      return;
    }
    render_svg(*dot, std::move(respond));
  });

  h.route("POST", "/api/pipelines/{id}/stop", [this](const HttpRequest& req) {
    if (auto refused = refuse_pipeline_access(req, true)) return *refused;
    if (auto s = pipelines_->stop(req.params.at("id")); !s) return HttpResponse::from(s.error());
    return HttpResponse::json(R"({"ok":true})");
  });

  h.route("POST", "/api/pipelines/{id}/start", [this](const HttpRequest& req) {
    if (auto refused = refuse_pipeline_access(req, true)) return *refused;
    if (auto s = pipelines_->restart(req.params.at("id")); !s) return HttpResponse::from(s.error());
    return HttpResponse::json(R"({"ok":true})");
  });

  h.route("GET", "/api/templates", [this](const HttpRequest& req) {
    if (auto refused = refuse_pipeline_access(req, false)) return *refused;
    JsonWriter w;
    w.begin_array();
    for (const auto& t : pipelines_->templates()) {
      w.begin_object().member("name", t.name).member("description", t.description).member("origin", t.origin);
      w.member("launch", t.launch);
      w.key("defaults").begin_object();
      for (const auto& [k, v] : t.defaults) w.member(k, v);
      w.end_object().end_object();
    }
    w.end_array();
    return HttpResponse::json(w.str());
  });
}

}  // namespace kek::core
