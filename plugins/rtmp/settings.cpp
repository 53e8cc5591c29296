#include "settings.h"

namespace kek::rtmp {

kek::Result<Settings> read_settings(const Args& args) {
  Settings s;
  if (auto st = first_failure({args.read("address", s.address), args.read("port", s.port, 0, 65535),
                               args.read("public_url", s.public_url)});
      !st)
    return st.error();
  while (!s.public_url.empty() && s.public_url.back() == '/') s.public_url.pop_back();
  if (!s.public_url.empty() && !s.public_url.starts_with("rtmp://") && !s.public_url.starts_with("rtmps://"))
    return args.fail("public_url", "must start with rtmp:// or rtmps://");

  if (JsonNode* apps = args.node("apps"); apps && !JSON_NODE_HOLDS_NULL(apps)) {
    if (!JSON_NODE_HOLDS_OBJECT(apps)) return args.fail("apps", "must map app names to template names");
    s.apps.clear();
    JsonObject* o = json_node_get_object(apps);
    g_autoptr(GList) names = json_object_get_members(o);
    for (GList* l = names; l; l = l->next) {
      const char* app = static_cast<const char*>(l->data);
      JsonNode* t = json_object_get_member(o, app);
      if (!JSON_NODE_HOLDS_VALUE(t) || json_node_get_value_type(t) != G_TYPE_STRING)
        return args.fail("apps", std::string("apps.") + app + " must be a template name");
      s.apps[app] = json_node_get_string(t);
    }
  }

  auto keys = args.strings("keys");
  if (!keys) return keys.error();
  for (const auto& entry : *keys) {
    ConfiguredKey k;
    size_t colon = entry.find(':');
    if (colon == std::string::npos)
      return args.fail("keys", "entries are \"stream:key\" (a bare key would name the stream, and so appear in its "
                               "media URLs): write \"<stream name>:<key>\"");
    k.stream = entry.substr(0, colon);
    k.key = entry.substr(colon + 1);
    if (k.key.empty() || k.stream.empty()) return args.fail("keys", "entries are \"stream:key\", both non-empty");
    s.keys.push_back(std::move(k));
  }

  if (auto st = first_failure({args.read("take_over", s.take_over),
                               args.read("reconnect_grace_s", s.reconnect_grace_s, 0, 600),
                               args.read("idle_timeout_s", s.idle_timeout_s, 1, 3600),
                               args.read("publish_timeout_s", s.publish_timeout_s, 1, 3600),
                               args.read("max_connections", s.max_connections, 1, 100000),
                               args.read("max_connections_per_address", s.max_connections_per_address, 1, 100000),
                               args.read("max_message_bytes", s.max_message_bytes, 4096, 256 * 1024 * 1024),
                               args.read("gop_cache_bytes", s.gop_cache_bytes, 0, int64_t{1} << 30),
                               args.read("push_threads", s.push_threads, 0, 64), args.no_unknown_keys()});
      !st)
    return st.error();
  return s;
}

}  // namespace kek::rtmp
