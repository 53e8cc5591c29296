#define G_LOG_DOMAIN "kek"
#include "cli/cli.h"

#include "backup/backup.h"
#include "config/config.h"
#include "config/install_paths.h"
#include "host/app.h"
#include "host/systemd_notify.h"
#include "log/log_writer.h"

#include <glib-unix.h>
#include <gst/gst.h>

#include <cstdio>
#include <iostream>
#include <optional>

extern char** environ;

namespace kek::core {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

const char* kUsage =
    "usage: kek COMMAND [options]\n"
    "\n"
    "  serve [--config FILE]                 run KEK (default: the embedded config/kek.yaml)\n"
    "  config check [FILE]                   validate a config (and the templates and plugins it names)\n"
    "  pipelines list [--config FILE]        list pipeline templates\n"
    "  pipelines show NAME [--set k=v ...]   print the exact gst-launch line of a template\n"
    "  launch 'LINE'                         run a gst-launch line with KEK's plugins loaded\n"
    "  backup DIR [--no-media]               database (online, while kek serves), secrets and media into DIR\n"
    "  restore DIR                           a backup into the config's (empty) data folder\n"
    "  version                               print the version\n"
    "\n"
    "Every command takes --config FILE and --log-format text|json (default: the config's log.format).\n"
    "Environment: KEK_<KEY> overrides one config key, levels joined by __ (KEK_HTTP__PORT=9090).\n";

struct Options {
  std::optional<std::string> config_file;
  std::optional<log::Format> log_format;
  std::vector<std::string> positional;
  Vars sets;
  std::string error;
};

Options parse_options(const std::vector<std::string>& args, size_t from) {
  Options o;
  for (size_t i = from; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--config" || a == "-c") {
      if (i + 1 >= args.size()) { o.error = a + " needs a file"; break; }
      o.config_file = args[++i];
    } else if (a.starts_with("--config=")) {
      o.config_file = a.substr(9);
    } else if (a == "--log-format" || a.starts_with("--log-format=")) {
      std::string value;
      if (a == "--log-format") {
        if (i + 1 >= args.size()) { o.error = "--log-format needs text or json"; break; }
        value = args[++i];
      } else {
        value = a.substr(13);
      }
      auto f = log::parse_format(value);
      if (!f) { o.error = f.error().message; break; }
      o.log_format = *f;
      log::set_format(*f);
    } else if (a == "--set") {
      if (i + 1 >= args.size()) { o.error = "--set needs name=value"; break; }
      const std::string& kv = args[++i];
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) { o.error = "--set needs name=value, not '" + kv + "'"; break; }
      o.sets[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else {
      o.positional.push_back(a);
    }
  }
  return o;
}

Result<Config> read_config(const std::optional<std::string>& file_in) {
  // An installed kek reads SYSCONFDIR/kek/kek.yaml when given no --config; one run from its
  // build tree, and an installed one without that file, the embedded config/kek.yaml.
  std::optional<std::string> file = file_in;
  if (!file) {
    const InstallPaths paths = install_paths();
    if (!paths.config_file.empty() && g_file_test(paths.config_file.c_str(), G_FILE_TEST_IS_REGULAR))
      file = paths.config_file;
  }
  auto config = file ? load_config_file(*file) : parse_config(embedded_config(), "<embedded config/kek.yaml>");
  if (!config) return config;
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e)
    if (g_str_has_prefix(*e, "KEK_")) env.emplace_back(*e);
  if (auto s = apply_environment(*config, env); !s) return s.error();
  fill_build_defaults(*config);
  return config;
}

int report(const Error& e) {
  std::cerr << "kek: " << e.message << "\n";
  return e.code == 400 ? kExitUsage : kExitFailure;
}

// Loads config, templates and plugins: the common start of every command.
Result<std::unique_ptr<App>> prepare(const Options& o) {
  auto config = read_config(o.config_file);
  if (!config) return config.error();
  if (!o.log_format) log::set_format(config->log_format == "json" ? log::Format::json : log::Format::text);
  auto app = std::make_unique<App>(std::move(*config));
  if (auto s = app->load(); !s) return s.error();
  return app;
}

int cmd_serve(const Options& o) {
  auto app = prepare(o);
  if (!app) return report(app.error());
  App& a = **app;
  if (auto s = a.open_database(); !s) return report(s.error());

  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  if (auto s = a.serve(); !s) {
    a.shutdown();
    return report(s.error());
  }
  auto quit = [](gpointer data) -> gboolean {
    g_main_loop_quit(static_cast<GMainLoop*>(data));
    return G_SOURCE_CONTINUE;
  };
  guint sigint = g_unix_signal_add(SIGINT, quit, loop);
  guint sigterm = g_unix_signal_add(SIGTERM, quit, loop);
  SystemdNotifier systemd;
  std::pair<App*, SystemdNotifier*> reloading{&a, &systemd};  // outlives the loop below
  guint sighup = g_unix_signal_add(SIGHUP, [](gpointer data) -> gboolean {
    auto* r = static_cast<std::pair<App*, SystemdNotifier*>*>(data);
    g_message("SIGHUP: reloading pipeline templates");
    r->second->notify("RELOADING=1");
    if (auto s = r->first->reload(); !s) g_warning("reload failed: %s", s.error().message.c_str());
    r->second->notify("READY=1");
    return G_SOURCE_CONTINUE;
  }, &reloading);

  std::printf("KEK %s is running (config: %s, data: %s)\n", KEK_VERSION, a.config().source.c_str(),
              a.config().data_dir.c_str());
  std::printf("  Open %s in a browser\n", a.http().url().c_str());
  std::string ready = "KEK_READY http=" + a.http().url();
  for (const auto& [what, url] : a.announcements()) {
    std::printf("  %s: %s\n", what.c_str(), url.c_str());
    ready += " " + what + "=" + url;
  }
  for (const auto& r : a.refused_plugins()) std::printf("  plugin %s refused: %s\n", r.name.c_str(), r.reason.c_str());
  std::printf("%s\n", ready.c_str());
  std::fflush(stdout);
  systemd.notify("READY=1\nSTATUS=serving on " + a.http().url());
  systemd.start_watchdog();

  g_main_loop_run(loop);
  g_source_remove(sigint);
  g_source_remove(sigterm);
  g_source_remove(sighup);
  systemd.notify("STOPPING=1\nSTATUS=stopping: pipelines get EOS");
  a.shutdown();
  std::printf("KEK stopped\n");
  return kExitOk;
}

int cmd_config_check(const Options& o) {
  Options checked = o;
  if (!checked.positional.empty()) checked.config_file = checked.positional.front();
  auto app = prepare(checked);
  if (!app) return report(app.error());
  const App& a = **app;
  std::cout << a.config().source << ": ok (" << a.plugins().size() << " plugins, "
            << a.config().pipelines.size() << " pipelines)\n";
  for (const auto& r : a.refused_plugins()) std::cout << "warning: " << r.reason << "\n";
  return a.refused_plugins().empty() ? kExitOk : kExitUsage;
}

int cmd_pipelines(const Options& o) {
  if (o.positional.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  auto app = prepare(o);
  if (!app) return report(app.error());
  auto& pm = (*app)->pipelines();
  if (o.positional[0] == "list") {
    for (const auto& t : pm.templates()) std::cout << t.name << "\t" << t.description << "\t(" << t.origin << ")\n";
    return kExitOk;
  }
  if (o.positional[0] == "show" && o.positional.size() == 2) {
    auto line = pm.expand(o.positional[1], o.sets);
    if (!line) return report(Error{line.error().message, 400});
    std::cout << *line << "\n";
    return kExitOk;
  }
  std::cerr << kUsage;
  return kExitUsage;
}

int cmd_launch(const Options& o) {
  if (o.positional.empty()) {
    std::cerr << "kek launch: give a gst-launch line\n";
    return kExitUsage;
  }
  auto app = prepare(o);
  if (!app) return report(app.error());
  std::string line;
  for (const auto& part : o.positional) {
    for (char ch : part) line += ch == '$' ? std::string("$$") : std::string(1, ch);  // no ${} expansion here
    line += ' ';
  }
  auto& pm = (*app)->pipelines();
  PipelineTemplate t{"kek-launch", "kek launch", line, {}, {}, "command line"};
  if (auto s = pm.add_template(t); !s) return report(s.error());
  PipelineOptions opts;
  opts.restart_on_error = false;
  if (auto s = pm.start("launch", "kek-launch", {}, opts); !s) {
    std::cerr << "kek launch: " << s.error().message << "\n";
    return kExitFailure;
  }
  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  guint sigint = g_unix_signal_add(SIGINT, [](gpointer data) -> gboolean {
    g_main_loop_quit(static_cast<GMainLoop*>(data));
    return G_SOURCE_REMOVE;
  }, loop);
  std::pair<PipelineManager*, GMainLoop*> watched{&pm, loop};  // outlives the loop below
  guint poll = g_timeout_add(50, [](gpointer data) -> gboolean {
    auto* w = static_cast<std::pair<PipelineManager*, GMainLoop*>*>(data);
    if (!w->first->any_active()) g_main_loop_quit(w->second);
    return G_SOURCE_CONTINUE;
  }, &watched);
  g_main_loop_run(loop);
  g_source_remove(poll);
  if (g_main_context_find_source_by_id(nullptr, sigint)) g_source_remove(sigint);
  pm.stop_all(5000);
  auto info = pm.info("launch");
  if (info && info->state == PipelineState::failed) {
    std::cerr << "kek launch: " << info->last_error << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

int cmd_backup(const Options& o, bool restoring) {
  std::vector<std::string> words;
  bool media = true;
  for (const auto& p : o.positional) {
    if (p == "--no-media" && !restoring) media = false;
    else words.push_back(p);
  }
  if (words.size() != 1) {
    std::cerr << "usage: kek " << (restoring ? "restore DIR" : "backup DIR [--no-media]") << " [--config FILE]\n";
    return kExitUsage;
  }
  auto config = read_config(o.config_file);
  if (!config) return report(config.error());
  if (!o.log_format) log::set_format(config->log_format == "json" ? log::Format::json : log::Format::text);
  auto progress = [&](const std::string& line) { std::cout << "kek " << (restoring ? "restore" : "backup") << ": " << line << "\n"; };
  auto done = restoring ? backup::restore(*config, words[0], progress)
                        : backup::create(*config, words[0], backup::BackupOptions{media}, progress);
  if (!done) return report(done.error());
  std::cout << (restoring ? "restored from " : "backed up to ") << words[0] << " (" << done->files << " media files, "
            << done->bytes << " bytes, " << done->secrets << " secrets, database " << done->db_bytes << " bytes)\n";
  return kExitOk;
}

int cmd_plugin(const Options& o, const std::string& name) {
  auto app = prepare(o);
  if (!app) return report(app.error());
  for (const auto& c : (*app)->commands()) {
    if (c.name != name) continue;
    if (auto s = (*app)->open_database(); !s) return report(s.error());
    return c.handler(o.positional);
  }
  std::cerr << "kek: unknown command '" << name << "'\n\n" << kUsage;
  for (const auto& c : (*app)->commands()) std::cerr << "  " << c.name << "  " << c.help << " (plugin " << c.plugin << ")\n";
  return kExitUsage;
}

}  // namespace

int run_cli(const std::vector<std::string>& args) {
  if (args.size() < 2 || args[1] == "help" || args[1] == "--help" || args[1] == "-h") {
    std::cout << kUsage;
    return args.size() < 2 ? kExitUsage : kExitOk;
  }
  const std::string& cmd = args[1];
  if (cmd == "version" || cmd == "--version") {
    std::cout << "kek " << KEK_VERSION << " (GStreamer " << gst_version_string() << ")\n";
    return kExitOk;
  }
  const bool two_words = cmd == "config";
  Options o = parse_options(args, two_words ? 3 : 2);
  if (!o.error.empty()) {
    std::cerr << "kek: " << o.error << "\n";
    return kExitUsage;
  }
  if (cmd == "serve") return cmd_serve(o);
  if (cmd == "config") {
    if (args.size() >= 3 && args[2] == "check") return cmd_config_check(o);
    std::cerr << kUsage;
    return kExitUsage;
  }
  if (cmd == "pipelines") return cmd_pipelines(o);
  if (cmd == "launch") return cmd_launch(o);
  if (cmd == "backup" || cmd == "restore") return cmd_backup(o, cmd == "restore");
  return cmd_plugin(o, cmd);
}

}  // namespace kek::core
