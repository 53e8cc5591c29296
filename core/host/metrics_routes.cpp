// /metrics (Prometheus text format 0.0.4) and /api/admin/metrics/history (the admin page's
// plots), and the core's own collectors: pipelines, database statements, the process.
#define G_LOG_DOMAIN "kek-metrics"
#include "host/app.h"

#include "metrics/process_stats.h"
#include "metrics/text_format.h"


namespace kek::core {

namespace {

bool same_secret(std::string_view a, std::string_view b) {
  // Constant time in the length of the configured token.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) diff |= static_cast<unsigned char>(b[i] ^ (i < a.size() ? a[i] : 0));
  return diff == 0;
}

}  // namespace

// Admins (by the Identity service), or a caller with the configured bearer token. nullopt: allowed.
std::optional<HttpResponse> App::refuse_metrics(const HttpRequest& request, bool allow_token) {
  if (allow_token && !config_.metrics_token.empty()) {
    if (auto auth = request.header("authorization"); auth && auth->starts_with("Bearer ")) {
      if (same_secret(auth->substr(7), config_.metrics_token)) return std::nullopt;
      return HttpResponse::error(401, "wrong bearer token");
    }
  }
  switch (pipeline_access(request)) {
    case PipelineAccess::admin: break;
    case PipelineAccess::no_provider:
      return HttpResponse::error(403, allow_token ? "metrics need the auth plugin (an admin's session) or metrics.token"
                                                  : "this needs the auth plugin (an admin's session)");
    case PipelineAccess::anonymous: return HttpResponse::error(401, "sign in as an admin");
    case PipelineAccess::not_admin: return HttpResponse::error(403, "for admins only");
  }
  return std::nullopt;
}

void App::register_core_metrics() {
  metrics_.add_collector([this](MetricsWriter& w) {
    const auto list = pipelines_->list();
    std::map<std::string, int> by_state;
    for (auto s : {PipelineState::starting, PipelineState::running, PipelineState::restarting, PipelineState::stopping,
                   PipelineState::stopped, PipelineState::finished, PipelineState::failed})
      by_state[to_string(s)] = 0;
    for (const auto& p : list) ++by_state[to_string(p.state)];
    w.family("kek_pipelines", "gauge", "Pipeline instances by state");
    for (const auto& [state, n] : by_state) w.sample({{"state", state}}, n);
    w.family("kek_pipeline_state", "gauge", "1 for each pipeline's current state");
    for (const auto& p : list) w.sample({{"pipeline", p.id}, {"template", p.template_name}, {"state", to_string(p.state)}}, 1);
    w.family("kek_pipeline_restarts_total", "counter", "Restarts of each pipeline after an error or end of stream");
    for (const auto& p : list) w.sample({{"pipeline", p.id}}, p.restarts);
    w.family("kek_pipeline_uptime_seconds", "gauge", "Seconds since each running pipeline last started");
    for (const auto& p : list) w.sample({{"pipeline", p.id}}, static_cast<double>(p.uptime_s));
    w.counter("kek_segments_written_total", "Media segments (HLS, DASH) closed by all pipelines",
              static_cast<double>(pipelines_->segments_written()));
  });
  metrics_.add_collector([this](MetricsWriter& w) { http_metrics_.write(w); });
  metrics_.add_collector([](MetricsWriter& w) {
    auto s = metrics::read_process_stats();
    if (!s) return;
    w.counter("process_cpu_seconds_total", "User and system CPU time of the kek process", s->cpu_seconds);
    w.gauge("process_resident_memory_bytes", "Resident memory of the kek process", static_cast<double>(s->resident_bytes));
    w.gauge("process_virtual_memory_bytes", "Virtual memory of the kek process", static_cast<double>(s->virtual_bytes));
    w.gauge("process_threads", "Threads of the kek process", s->threads);
    w.gauge("process_open_fds", "Open file descriptors of the kek process", s->open_fds);
    w.gauge("process_start_time_seconds", "Unix time the kek process started", s->start_time_s);
  });
  metrics_.add_collector([](MetricsWriter& w) {
    w.gauge("kek_build_info", "The running kek's version", 1,
            {{"version", KEK_VERSION}, {"gstreamer", gst_version_string()}});
  });
  metrics_.add_histograms([this](metrics::TextWriter& w) {
    http_metrics_.write_histograms(w);
    w.family("kek_db_statement_duration_seconds", "histogram", "Time each SQL statement (query or exec) took");
    w.histogram({}, db_latency_);
  });
}

void App::register_metrics_routes() {
  Http& h = *http_;
  h.route("GET", "/metrics", [this](const HttpRequest& req) {
    if (auto refusal = refuse_metrics(req, true)) return *refusal;
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.headers.emplace_back("Cache-Control", "no-store");
    r.body = metrics_.render();
    return r;
  });
  h.route("GET", "/api/admin/metrics/history", [this](const HttpRequest& req) {
    if (auto refusal = refuse_metrics(req, false)) return *refusal;
    HttpResponse r = HttpResponse::json(history_->json());
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  });
}

}  // namespace kek::core
