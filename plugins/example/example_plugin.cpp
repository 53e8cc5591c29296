// The plugin author's example (see docs/plugin-guide.md): one route, one table, one pipeline
// template, one event subscription, a service another plugin provides (who is calling), one
// GStreamer element face. The tests build and load it.
#define G_LOG_DOMAIN "kek-example"
#include <kek/plugin.h>
#include <kek/services/identity.h>

#include <gst/gst.h>

namespace {

// Immutable settings, read once from the plugin's args.
struct Settings {
  std::string greeting;
};

kek::Status init(kek::Host& host) {
  // Each key read into its field, whose value is the default; the first mistake is reported.
  Settings settings{"hello"};
  if (auto s = kek::first_failure({host.args().read("greeting", settings.greeting), host.args().no_unknown_keys()}); !s)
    return s;

  host.add_migrations({
      {1, "CREATE TABLE example_visits (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)"},
      {2, "ALTER TABLE example_visits ADD COLUMN path TEXT"},
  });

  host.http().route("GET", "/api/example/hello", [&host, settings](const kek::HttpRequest& req) {
    if (auto r = host.db().exec("INSERT INTO example_visits (at, path) VALUES (unixepoch(), ?)", {req.path}); !r)
      return kek::HttpResponse::from(r.error());
    auto rows = host.db().query("SELECT count(*) AS n FROM example_visits");
    if (!rows) return kek::HttpResponse::from(rows.error());
    kek::JsonWriter w;
    w.begin_object().member("greeting", settings.greeting).member("visits", rows->at(0).integer("n")).end_object();
    return kek::HttpResponse::json(w.str());
  });

  // Who is calling, from the auth plugin's Identity service. Looked up per request, not at init:
  // plugins load in any order, and without auth everybody is anonymous.
  // ?media=live/cam/ also asks whether they may watch what is there.
  host.http().route("GET", "/api/example/whoami", [&host](const kek::HttpRequest& req) {
    std::optional<kek::UserIdentity> user;
    auto* identity = host.services().get<kek::Identity>();
    if (identity) {
      auto found = identity->user_of(req);
      if (!found) return kek::HttpResponse::from(found.error());
      user = *found;
    }
    kek::JsonWriter w;
    w.begin_object().key("user");
    if (user) w.value(user->username);
    else w.null();
    if (auto media = req.query.find("media"); media != req.query.end())
      w.member("may_view", identity ? identity->may_view(user, media->second) : true);
    w.end_object();
    return kek::HttpResponse::json(w.str());
  });

  kek::PipelineTemplate tone;
  tone.name = "example-tone";
  tone.description = "A short tone into a fakesink (the example plugin's template)";
  tone.launch = "audiotestsrc num-buffers=${buffers} ! audioconvert ! fakesink";
  tone.defaults = {{"buffers", "20"}};
  if (auto s = host.pipelines().add_template(tone); !s) return s;

  host.events().subscribe("stream.*", [](const kek::Event& e) {
    g_message("example: %s (key owner: %s)", e.name.c_str(), e.get("owner").c_str());
  });
  return {};
}

gboolean register_elements(GstPlugin*) { return TRUE; }

}  // namespace

KEK_PLUGIN(example, KEK_VERSION, "The SDK example: a route, a table, a template", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekexample, "KEK SDK example plugin", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
