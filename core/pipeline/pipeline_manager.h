// Runs pipeline instances: builds each from its template's gst-launch line, watches its bus on
// the main context, restarts a failed one with exponential backoff (bounded), ends it cleanly on
// EOS, and stops it gracefully (EOS first, then teardown) within a time bound. One instance's
// failure never touches another.
#pragma once

#include <kek/events.h>
#include <kek/pipelines.h>
#include <kek/ref.h>

#include "config/live_outputs.h"

#include <gst/gst.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

namespace kek::core {

struct PipelineManagerConfig {
  Vars builtins;                       // media_dir, data_dir: available to every template
  GstContext* host_context = nullptr;  // set on every pipeline (kek.host), may be null in tests
  EventBus* events = nullptr;          // pipeline.state events, may be null
  guint initial_backoff_ms = 1000;     // doubled per consecutive failure...
  guint max_backoff_ms = 30000;        // ...up to this
  guint stop_timeout_ms = 5000;        // EOS wait before a stop is forced
};

class PipelineManager : public Pipelines {
 public:
  explicit PipelineManager(PipelineManagerConfig config);
  ~PipelineManager() override;

  Status add_template(PipelineTemplate tmpl) override;
  std::optional<PipelineTemplate> find_template(const std::string& name) const override;
  Result<std::string> expand(const std::string& template_name, const Vars& vars) const override;
  Status start(const std::string& id, const std::string& template_name, const Vars& vars,
               PipelineOptions options = {}) override;
  Status stop(const std::string& id) override;
  std::optional<PipelineInfo> info(const std::string& id) const override;
  std::vector<PipelineInfo> list() const override;
  // Outputs of live layouts: core's own `record`, and those plugins register.
  Status add_live_output(LiveOutput output) override { return add_live_output(std::move(output), "core"); }
  Status add_live_output(LiveOutput output, std::string origin);
  Status set_live_scaler(std::string launch) override { return set_live_scaler(std::move(launch), "core"); }
  Status set_live_scaler(std::string launch, std::string origin);
  LivePublication live_publication(const std::string& template_name, const Vars& vars,
                                   int64_t since_us) const override;
  const LiveOutputRegistry& live_outputs() const { return outputs_; }

  std::vector<PipelineTemplate> templates() const;
  // Replaces file templates (SIGHUP); plugin templates stay. Returns the names whose text changed.
  std::vector<std::string> replace_file_templates(std::vector<PipelineTemplate> templates);
  // Whether starting id now from template_name with vars would differ from what runs (SIGHUP).
  bool definition_changed(const std::string& id, const std::string& template_name, const Vars& vars) const;
  // Starts an ended instance again (the admin's restart button); a running one is torn down first.
  Status restart(const std::string& id) override;
  // The live pipeline as a Graphviz dot document, for /api/pipelines/{id}/graph.svg.
  Result<std::string> dot(const std::string& id) const;
  // Stops every instance and waits, iterating the main context, at most timeout_ms.
  void stop_all(guint timeout_ms);
  // Iterates the main context until the instance has ended, at most timeout_ms.
  void wait_until_ended(const std::string& id, guint timeout_ms);
  // Forgets the templates and live outputs a plugin registered (its init failed after registering some).
  void remove_plugin_templates(const std::string& plugin);
  bool any_active() const;
  // Media segments closed by all pipelines so far: element messages "kek-segment-written" and
  // splitmuxsink's "splitmuxsink-fragment-closed" for .ts/.m4s files (hlssink2).
  uint64_t segments_written() const { return segments_written_; }
  // Loads, on a thread of its own, the GStreamer plugins every template's elements come from, so
  // the first start of a template (a first publish) does not stall the main loop for the seconds
  // a cold gst-libav takes to load on a busy machine. Makes each element once, starts nothing.
  void preload_elements();

 private:
  struct Instance;
  void build_and_play(Instance& inst);
  void teardown(Instance& inst);
  // Elements named "record*" with a location wrote a file that is now complete: say so.
  void announce_recordings(Instance& inst);
  void on_failure(Instance& inst, const std::string& error);
  void set_state(Instance& inst, PipelineState state);
  void schedule_restart(Instance& inst, guint delay_ms);
  void cancel_restart(Instance& inst);
  static gboolean on_bus_message(GstBus* bus, GstMessage* msg, gpointer data);
  PipelineInfo describe(const Instance& inst) const;
  // The template's folders (its directories, its layout outputs'), expanded with these variables.
  Result<std::vector<std::string>> directories_of(const PipelineTemplate& tmpl, const Vars& all) const;
  Vars with_builtins(const std::string& id, const Vars& vars) const;

  PipelineManagerConfig config_;
  std::map<std::string, PipelineTemplate> templates_;
  LiveOutputRegistry outputs_;
  std::map<std::string, std::unique_ptr<Instance>> instances_;
  uint64_t segments_written_ = 0;
  std::thread preload_;  // joined first on destruction (declared last)
};

}  // namespace kek::core
