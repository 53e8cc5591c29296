#define G_LOG_DOMAIN "kek-pipeline"
#include "pipeline/pipeline_manager.h"

#include "config/live_layout.h"
#include "config/templates.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <set>

namespace kek::core {

struct PipelineManager::Instance {
  PipelineManager* owner = nullptr;
  std::string id;
  std::string template_name;
  Vars vars;
  PipelineOptions options;
  PipelineTemplate tmpl;
  std::string launch;
  std::vector<std::string> directories;
  Ref<GstElement> pipeline;
  guint bus_watch = 0;
  guint restart_timer = 0;
  guint stop_timer = 0;
  PipelineState state = PipelineState::stopped;
  std::string last_error;
  int restarts = 0;              // all restarts since start()
  int consecutive_failures = 0;  // reset once an instance has run a while
  int64_t started_at_us = 0;
  bool stop_requested = false;
};

namespace {
constexpr int64_t kStableRunUs = 60 * G_USEC_PER_SEC;  // a run this long forgives earlier failures

// "element: message (concrete reason)": the debug string's last line usually names the file or
// the errno, which is what a person fixing the problem needs.
std::string describe_error(GstMessage* msg) {
  g_autoptr(GError) err = nullptr;
  g_autofree char* debug = nullptr;
  gst_message_parse_error(msg, &err, &debug);
  std::string text = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " + err->message;
  if (debug && *debug) {
    std::string d = debug;
    size_t nl = d.find_last_of('\n');
    std::string last = nl == std::string::npos ? d : d.substr(nl + 1);
    if (!last.empty() && last.find(".c(") == std::string::npos) text += " (" + last + ")";
  }
  return text;
}

// Directories are created, not quoted: undo the quoting a path with spaces got.
std::string unquoted(const std::string& path) {
  if (path.size() >= 2 && path.front() == '"' && path.back() == '"') return path.substr(1, path.size() - 2);
  return path;
}

}  // namespace

PipelineManager::PipelineManager(PipelineManagerConfig config) : config_(std::move(config)) {
  if (config_.host_context) gst_context_ref(config_.host_context);
  [[maybe_unused]] Status builtin = outputs_.add(record_output(), "core");  // a fresh registry takes it
}

PipelineManager::~PipelineManager() {
  if (preload_.joinable()) preload_.join();
  for (auto& [id, inst] : instances_) {
    if (inst->restart_timer) g_source_remove(inst->restart_timer);
    if (inst->stop_timer) g_source_remove(inst->stop_timer);
    inst->restart_timer = inst->stop_timer = 0;
    teardown(*inst);
  }
  if (config_.host_context) gst_context_unref(config_.host_context);
}

void PipelineManager::preload_elements() {
  if (preload_.joinable()) return;
  // What a typical start passes (the rtmp plugin's live variables); a template that needs
  // something else is skipped: preloading is only a head start.
  Vars sample = {{"stream", "preload"}, {"app", "live"},     {"owner", "preload"},     {"has_audio", "1"},
                 {"has_video", "1"},    {"fps", "30"},      {"source_width", "1280"}, {"source_height", "720"}};
  std::vector<std::string> lines;
  for (const auto& [name, tmpl] : templates_) {
    Vars vars = with_builtins("preload-" + name, sample);
    if (auto line = expand_template(tmpl, vars); line) lines.push_back(std::move(*line));
  }
  preload_ = std::thread([lines = std::move(lines)] {
    // Each element of the lines is made once, by name (so GStreamer's per-factory numbering of
    // the real pipelines' elements stays as it was), never set to a state: no file is opened,
    // nothing runs. Making it (not only loading its feature) also loads what it makes inside.
    std::set<std::string> done;
    for (const auto& line : lines) {
      g_auto(GStrv) tokens = g_strsplit_set(line.c_str(), " \t\n!", -1);
      for (char** t = tokens; *t; ++t) {
        const std::string token = *t;
        if (token.empty() || token.find_first_of("=./,\"()") != std::string::npos || !done.insert(token).second) continue;
        g_autoptr(GstElementFactory) factory = gst_element_factory_find(token.c_str());
        if (!factory) continue;
        if (GstElement* element = gst_element_factory_create(factory, "kek-preload"))
          gst_object_unref(gst_object_ref_sink(element));
      }
    }
  });
}

Status PipelineManager::add_template(PipelineTemplate tmpl) {
  if (tmpl.name.empty()) return Error{"a template needs a name", 400};
  if (auto it = templates_.find(tmpl.name); it != templates_.end())
    return Error{"template '" + tmpl.name + "' from " + tmpl.origin + " is already defined by " +
                     it->second.origin, 409};
  templates_.emplace(tmpl.name, std::move(tmpl));
  return {};
}

std::optional<PipelineTemplate> PipelineManager::find_template(const std::string& name) const {
  auto it = templates_.find(name);
  if (it == templates_.end()) return std::nullopt;
  return it->second;
}

std::vector<PipelineTemplate> PipelineManager::templates() const {
  std::vector<PipelineTemplate> out;
  for (const auto& [name, t] : templates_) out.push_back(t);
  return out;
}

std::vector<std::string> PipelineManager::replace_file_templates(std::vector<PipelineTemplate> fresh) {
  std::vector<std::string> changed;
  for (auto it = templates_.begin(); it != templates_.end();) {
    bool from_plugin = it->second.origin.starts_with("plugin:");
    bool still_there = std::any_of(fresh.begin(), fresh.end(), [&](auto& t) { return t.name == it->first; });
    if (!from_plugin && !still_there) {
      changed.push_back(it->first);
      it = templates_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& t : fresh) {
    auto it = templates_.find(t.name);
    if (it != templates_.end() && it->second.origin.starts_with("plugin:")) continue;  // plugin wins
    if (it == templates_.end() || it->second.launch != t.launch || it->second.defaults != t.defaults ||
        it->second.directories != t.directories)
      changed.push_back(t.name);
    templates_[t.name] = std::move(t);
  }
  return changed;
}

Vars PipelineManager::with_builtins(const std::string& id, const Vars& vars) const {
  Vars all = config_.builtins;
  all["id"] = id;
  all["run"] = std::to_string(g_get_real_time() / 1000);  // unique per build: see build_and_play
  for (const auto& [k, v] : vars) all[k] = v;
  return all;
}

Result<std::string> PipelineManager::expand(const std::string& template_name, const Vars& vars) const {
  auto it = templates_.find(template_name);
  if (it == templates_.end()) return Error{"no pipeline template named '" + template_name + "'", 404};
  Vars all = vars;
  if (!all.count("id")) all["id"] = template_name;
  return expand_template(it->second, with_builtins(all["id"], all), &outputs_);
}

Status PipelineManager::start(const std::string& id, const std::string& template_name, const Vars& vars,
                              PipelineOptions options) {
  auto tmpl = templates_.find(template_name);
  if (tmpl == templates_.end()) return Error{"no pipeline template named '" + template_name + "'", 404};
  auto& slot = instances_[id];
  if (slot && is_active(slot->state)) {
    if (!options.replace) return Error{"pipeline '" + id + "' is already " + to_string(slot->state), 409};
    cancel_restart(*slot);
    teardown(*slot);
  }
  if (!slot) slot = std::make_unique<Instance>();
  Instance& inst = *slot;
  Vars all = with_builtins(id, vars);
  auto line = expand_template(tmpl->second, all, &outputs_);
  if (!line) return line.error();
  auto dirs = directories_of(tmpl->second, all);
  if (!dirs) return dirs.error();
  inst.directories = std::move(*dirs);
  inst.owner = this;
  inst.id = id;
  inst.template_name = template_name;
  inst.vars = vars;
  inst.options = options;
  inst.tmpl = tmpl->second;
  inst.launch = *line;
  inst.last_error.clear();
  inst.restarts = 0;
  inst.consecutive_failures = 0;
  inst.stop_requested = false;
  build_and_play(inst);
  if (inst.state == PipelineState::failed) return Error{"pipeline '" + id + "': " + inst.last_error, 400};
  return {};
}

void PipelineManager::build_and_play(Instance& inst) {
  set_state(inst, PipelineState::starting);
  for (const auto& dir : inst.directories) {
    if (g_mkdir_with_parents(dir.c_str(), 0755) != 0) {
      inst.last_error = "cannot create " + dir + ": " + g_strerror(errno);
      set_state(inst, PipelineState::failed);
      return;
    }
  }
  // ${run} differs per build, so a restarted instance writes new file names: players and caches
  // never see a reused segment name with different content.
  Vars all = with_builtins(inst.id, inst.vars);
  if (auto line = expand_template(inst.tmpl, all, &outputs_); line) inst.launch = *line;
  GError* err = nullptr;
  GstElement* built = gst_parse_launch_full(inst.launch.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (!built || err) {
    // A line that does not parse will not parse on retry either: fail without restarting.
    inst.last_error = std::string("invalid pipeline: ") + (err ? err->message : "unknown error");
    g_clear_error(&err);
    if (built) gst_object_unref(built);
    set_state(inst, PipelineState::failed);
    return;
  }
  if (!GST_IS_PIPELINE(built)) {
    GstElement* wrapper = gst_pipeline_new(nullptr);
    gst_bin_add(GST_BIN(wrapper), built);
    built = wrapper;
  }
  gst_object_ref_sink(built);
  inst.pipeline = Ref<GstElement>::adopt(built);
  gst_object_set_name(GST_OBJECT(built), inst.id.c_str());
  if (config_.host_context) gst_element_set_context(built, config_.host_context);
  g_autoptr(GstBus) bus = gst_element_get_bus(built);
  inst.bus_watch = gst_bus_add_watch(bus, &PipelineManager::on_bus_message, &inst);
  g_message("pipeline %s: starting %s", inst.id.c_str(), inst.launch.c_str());
  if (gst_element_set_state(built, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    // The element that refused usually posted an error with the reason: take it if it is there.
    g_autoptr(GstMessage) msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    on_failure(inst, msg ? describe_error(msg) : "could not start");
  }
}

void PipelineManager::cancel_restart(Instance& inst) {
  if (inst.restart_timer) g_source_remove(inst.restart_timer);
  inst.restart_timer = 0;
}

void PipelineManager::announce_recordings(Instance& inst) {
  if (!inst.pipeline || !config_.events) return;
  g_autoptr(GstIterator) it = gst_bin_iterate_recurse(GST_BIN(inst.pipeline.get()));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* element = GST_ELEMENT(g_value_get_object(&item));
    if (g_str_has_prefix(GST_OBJECT_NAME(element), "record") &&
        g_object_class_find_property(G_OBJECT_GET_CLASS(element), "location")) {
      g_autofree char* location = nullptr;
      g_object_get(element, "location", &location, nullptr);
      if (location && g_file_test(location, G_FILE_TEST_IS_REGULAR)) {
        Event e{kEventPipelineFileClosed, {{"id", inst.id}, {"template", inst.template_name}, {"location", location}}};
        for (const auto& [k, v] : inst.vars) e.fields["var." + k] = v;
        config_.events->publish(std::move(e));
      }
    }
    g_value_reset(&item);
  }
  g_value_unset(&item);
}

void PipelineManager::teardown(Instance& inst) {
  if (inst.bus_watch) {
    g_source_remove(inst.bus_watch);
    inst.bus_watch = 0;
  }
  if (inst.stop_timer) {
    g_source_remove(inst.stop_timer);
    inst.stop_timer = 0;
  }
  if (inst.pipeline) {
    gst_element_set_state(inst.pipeline.get(), GST_STATE_NULL);
    inst.pipeline.reset();
  }
}

void PipelineManager::set_state(Instance& inst, PipelineState state) {
  if (inst.state == state) return;
  inst.state = state;
  g_info("pipeline %s: %s", inst.id.c_str(), to_string(state));
  if (config_.events)
    config_.events->publish(Event{kEventPipelineStateChanged,
                                  {{"id", inst.id}, {"state", to_string(state)}, {"error", inst.last_error}}});
}

void PipelineManager::on_failure(Instance& inst, const std::string& error) {
  teardown(inst);
  inst.last_error = error;
  g_warning("pipeline %s: %s", inst.id.c_str(), error.c_str());
  if (inst.stop_requested) {
    set_state(inst, PipelineState::stopped);
    return;
  }
  if (inst.started_at_us && g_get_monotonic_time() - inst.started_at_us > kStableRunUs) inst.consecutive_failures = 0;
  inst.started_at_us = 0;
  if (!inst.options.restart_on_error || inst.consecutive_failures >= inst.options.max_restarts) {
    set_state(inst, PipelineState::failed);
    return;
  }
  guint delay = config_.initial_backoff_ms;
  for (int i = 0; i < inst.consecutive_failures && delay < config_.max_backoff_ms; ++i) delay *= 2;
  delay = std::min(delay, config_.max_backoff_ms);
  ++inst.consecutive_failures;
  g_message("pipeline %s: restarting in %u ms (failure %d of at most %d)", inst.id.c_str(), delay,
            inst.consecutive_failures, inst.options.max_restarts);
  schedule_restart(inst, delay);
}

void PipelineManager::schedule_restart(Instance& inst, guint delay_ms) {
  set_state(inst, PipelineState::restarting);
  inst.restart_timer = g_timeout_add(delay_ms, [](gpointer data) -> gboolean {
    auto* i = static_cast<Instance*>(data);
    i->restart_timer = 0;
    ++i->restarts;
    i->owner->build_and_play(*i);
    return G_SOURCE_REMOVE;
  }, &inst);
}

gboolean PipelineManager::on_bus_message(GstBus*, GstMessage* msg, gpointer data) {
  auto& inst = *static_cast<Instance*>(data);
  PipelineManager& self = *inst.owner;
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
      std::string text = describe_error(msg);
      inst.bus_watch = 0;  // returning G_SOURCE_REMOVE below drops the watch
      self.on_failure(inst, text);
      return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_EOS: {
      inst.bus_watch = 0;
      self.announce_recordings(inst);
      self.teardown(inst);
      if (inst.stop_requested) {
        self.set_state(inst, PipelineState::stopped);
      } else if (inst.options.restart_on_eos) {
        inst.started_at_us = 0;
        self.schedule_restart(inst, 0);
      } else {
        self.set_state(inst, PipelineState::finished);
      }
      return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_STATE_CHANGED:
      if (GST_MESSAGE_SRC(msg) == GST_OBJECT(inst.pipeline.get())) {
        GstState old_state, new_state;
        gst_message_parse_state_changed(msg, &old_state, &new_state, nullptr);
        if (new_state == GST_STATE_PLAYING && inst.state == PipelineState::starting) {
          inst.started_at_us = g_get_monotonic_time();
          self.set_state(inst, PipelineState::running);
        }
      }
      break;
    case GST_MESSAGE_ELEMENT: {
      // Recordings: splitmuxsink says when a file is complete. hlssink2 uses splitmuxsink for
      // its .ts segments too; those are not files anyone imports.
      const GstStructure* s = gst_message_get_structure(msg);
      if (s && gst_structure_has_name(s, "kek-segment-written")) ++self.segments_written_;
      if (s && gst_structure_has_name(s, "splitmuxsink-fragment-closed")) {
        const char* location = gst_structure_get_string(s, "location");
        if (location && (g_str_has_suffix(location, ".ts") || g_str_has_suffix(location, ".m4s"))) ++self.segments_written_;
      }
      if (s && gst_structure_has_name(s, "splitmuxsink-fragment-closed") && self.config_.events) {
        const char* location = gst_structure_get_string(s, "location");
        if (location && g_str_has_suffix(location, ".mp4")) {
          Event e{kEventPipelineFileClosed, {{"id", inst.id}, {"template", inst.template_name}, {"location", location}}};
          for (const auto& [k, v] : inst.vars) e.fields["var." + k] = v;
          self.config_.events->publish(std::move(e));
        }
      }
      break;
    }
    case GST_MESSAGE_WARNING: {
      g_autoptr(GError) err = nullptr;
      g_autofree char* debug = nullptr;
      gst_message_parse_warning(msg, &err, &debug);
      const std::string text = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " + err->message;
      // A sometimes-pad that cannot link leaves the pipeline waiting forever: that is a failure
      // (with the caps that did not fit, from the debug text), not a warning.
      if (g_strrstr(err->message, "Delayed linking failed")) {
        inst.bus_watch = 0;
        self.on_failure(inst, text + (debug ? std::string(" (") + debug + ")" : std::string()));
        return G_SOURCE_REMOVE;
      }
      g_warning("pipeline %s: %s", inst.id.c_str(), text.c_str());
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

Status PipelineManager::stop(const std::string& id) {
  auto it = instances_.find(id);
  if (it == instances_.end()) return Error{"no pipeline '" + id + "'", 404, "no_such_pipeline"};
  Instance& inst = *it->second;
  cancel_restart(inst);
  inst.stop_requested = true;
  if (!inst.pipeline) {
    if (is_active(inst.state)) set_state(inst, PipelineState::stopped);
    return {};
  }
  if (inst.state == PipelineState::stopping) return {};
  if (inst.state != PipelineState::running) {
    // Still prerolling: nothing is finished enough to need EOS, and EOS sent into an async
    // state change can deadlock against it.
    teardown(inst);
    set_state(inst, PipelineState::stopped);
    return {};
  }
  set_state(inst, PipelineState::stopping);
  // EOS first, so muxers finish files and playlists get their end tag; force it after a bound.
  // Sent from GStreamer's own helper thread: gst_element_send_event takes the state lock and
  // may wait for a streaming thread, which must never block the main loop.
  gst_element_call_async(inst.pipeline.get(), [](GstElement* pipeline, gpointer) {
    gst_element_send_event(pipeline, gst_event_new_eos());
  }, nullptr, nullptr);
  inst.stop_timer = g_timeout_add(config_.stop_timeout_ms, [](gpointer data) -> gboolean {
    auto* i = static_cast<Instance*>(data);
    i->stop_timer = 0;
    g_warning("pipeline %s: no EOS within the stop timeout, stopping it anyway", i->id.c_str());
    i->owner->teardown(*i);
    i->owner->set_state(*i, PipelineState::stopped);
    return G_SOURCE_REMOVE;
  }, &inst);
  return {};
}

bool PipelineManager::definition_changed(const std::string& id, const std::string& template_name,
                                         const Vars& vars) const {
  auto it = instances_.find(id);
  auto tmpl = templates_.find(template_name);
  if (it == instances_.end() || tmpl == templates_.end()) return true;
  const Instance& inst = *it->second;
  return inst.template_name != template_name || inst.vars != vars || inst.tmpl.launch != tmpl->second.launch ||
         inst.tmpl.defaults != tmpl->second.defaults || inst.tmpl.directories != tmpl->second.directories;
}

Status PipelineManager::restart(const std::string& id) {
  auto it = instances_.find(id);
  if (it == instances_.end()) return Error{"no pipeline '" + id + "'", 404, "no_such_pipeline"};
  Instance& inst = *it->second;
  cancel_restart(inst);
  teardown(inst);
  inst.stop_requested = false;
  inst.consecutive_failures = 0;
  ++inst.restarts;
  build_and_play(inst);
  if (inst.state == PipelineState::failed) return Error{"pipeline '" + id + "': " + inst.last_error, 400};
  return {};
}

void PipelineManager::stop_all(guint timeout_ms) {
  for (auto& [id, inst] : instances_)
    if (is_active(inst->state)) (void)stop(id);
  const int64_t deadline = g_get_monotonic_time() + int64_t{timeout_ms} * 1000;
  while (any_active() && g_get_monotonic_time() < deadline) {
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(5000);
  }
  for (auto& [id, inst] : instances_) {
    if (!is_active(inst->state)) continue;
    teardown(*inst);
    set_state(*inst, PipelineState::stopped);
  }
}

void PipelineManager::wait_until_ended(const std::string& id, guint timeout_ms) {
  const int64_t deadline = g_get_monotonic_time() + int64_t{timeout_ms} * 1000;
  auto active = [&] {
    auto it = instances_.find(id);
    return it != instances_.end() && is_active(it->second->state);
  };
  while (active() && g_get_monotonic_time() < deadline)
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(5000);
}

void PipelineManager::remove_plugin_templates(const std::string& plugin) {
  std::erase_if(templates_, [&](const auto& kv) { return kv.second.origin == "plugin:" + plugin; });
  outputs_.remove_origin("plugin:" + plugin);
}

Status PipelineManager::add_live_output(LiveOutput output, std::string origin) {
  return outputs_.add(std::move(output), std::move(origin));
}

Status PipelineManager::set_live_scaler(std::string launch, std::string origin) {
  return outputs_.set_scaler(std::move(launch), std::move(origin));
}

Result<std::vector<std::string>> PipelineManager::directories_of(const PipelineTemplate& tmpl, const Vars& all) const {
  std::vector<std::string> dirs = tmpl.directories;
  if (tmpl.layout) {
    auto line = live_layout_line(*tmpl.layout, template_lookup(tmpl, all), outputs_);
    if (!line) return wrap(line.error(), "template " + tmpl.name);
    dirs.insert(dirs.end(), line->directories.begin(), line->directories.end());
  }
  std::vector<std::string> out;
  for (const auto& d : dirs) {
    auto dir = expand_text(d, all, tmpl.defaults, "template " + tmpl.name + " directories");
    if (!dir) return dir.error();
    out.push_back(unquoted(*dir));
  }
  return out;
}

LivePublication PipelineManager::live_publication(const std::string& template_name, const Vars& vars,
                                                  int64_t since_us) const {
  LivePublication pub;
  // Every registered key once (two outputs may fill the same field), null (empty) unless this
  // layout publishes it.
  for (const auto& e : outputs_.all())
    for (const auto& key : e.output.url_keys)
      if (std::none_of(pub.urls.begin(), pub.urls.end(), [&](const LiveUrl& u) { return u.key == key; }))
        pub.urls.push_back({key, ""});
  auto tmpl = templates_.find(template_name);
  if (tmpl == templates_.end()) return pub;
  Vars all = config_.builtins;
  for (const auto& [k, v] : vars) all[k] = v;
  if (!all.count("id")) all["id"] = template_name;
  if (!all.count("run")) all["run"] = "0";
  if (auto dirs = directories_of(tmpl->second, all)) pub.folders = std::move(*dirs);
  if (!tmpl->second.layout) return pub;
  auto line = live_layout_line(*tmpl->second.layout, template_lookup(tmpl->second, all), outputs_);
  if (!line) return pub;
  auto dir = expand_text(line->context.output_dir, all, tmpl->second.defaults, "template " + template_name);
  if (!dir) return pub;
  LiveOutputPlace place;
  place.lookup = template_lookup(tmpl->second, all);
  place.dir = unquoted(*dir);
  place.since_us = since_us;
  for (const LiveOutput* o : line->outputs) place.outputs.push_back(o->name);
  // The URL of a folder under the media root, which /media/ serves.
  if (auto media = all.find("media_dir"); media != all.end() && !media->second.empty()) {
    std::string root = media->second;
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    if (place.dir.size() > root.size() + 1 && place.dir.starts_with(root + "/")) {
      std::string rel = place.dir.substr(root.size() + 1);
      while (!rel.empty() && rel.back() == '/') rel.pop_back();
      if (rel.find("..") == std::string::npos) place.url = "/media/" + rel + "/";
    }
  }
  for (const LiveOutput* o : line->outputs) {
    if (!o->urls) continue;
    for (auto& u : o->urls(place))
      for (auto& slot : pub.urls)
        if (slot.key == u.key && slot.url.empty()) slot.url = u.url;
  }
  return pub;
}

bool PipelineManager::any_active() const {
  return std::any_of(instances_.begin(), instances_.end(), [](auto& kv) { return is_active(kv.second->state); });
}

PipelineInfo PipelineManager::describe(const Instance& inst) const {
  PipelineInfo info;
  info.id = inst.id;
  info.template_name = inst.template_name;
  info.state = inst.state;
  info.launch = inst.launch;
  info.last_error = inst.last_error;
  info.restarts = inst.restarts;
  info.vars = inst.vars;
  if (inst.pipeline && (inst.state == PipelineState::running || inst.state == PipelineState::stopping)) {
    gint64 pos = -1, dur = -1;
    if (gst_element_query_position(inst.pipeline.get(), GST_FORMAT_TIME, &pos)) info.position_ns = pos;
    if (gst_element_query_duration(inst.pipeline.get(), GST_FORMAT_TIME, &dur)) info.duration_ns = dur;
  }
  if (inst.state == PipelineState::running && inst.started_at_us) {
    info.uptime_s = (g_get_monotonic_time() - inst.started_at_us) / G_USEC_PER_SEC;
    info.started_at_us = g_get_real_time() - (g_get_monotonic_time() - inst.started_at_us);
  }
  return info;
}

std::optional<PipelineInfo> PipelineManager::info(const std::string& id) const {
  auto it = instances_.find(id);
  if (it == instances_.end()) return std::nullopt;
  return describe(*it->second);
}

std::vector<PipelineInfo> PipelineManager::list() const {
  std::vector<PipelineInfo> out;
  for (const auto& [id, inst] : instances_) out.push_back(describe(*inst));
  return out;
}

Result<std::string> PipelineManager::dot(const std::string& id) const {
  auto it = instances_.find(id);
  if (it == instances_.end()) return Error{"no pipeline '" + id + "'", 404, "no_such_pipeline"};
  if (!it->second->pipeline) return Error{"pipeline '" + id + "' is not running", 409};
  g_autofree char* text = gst_debug_bin_to_dot_data(GST_BIN(it->second->pipeline.get()), GST_DEBUG_GRAPH_SHOW_ALL);
  return std::string(text ? text : "");
}

}  // namespace kek::core
