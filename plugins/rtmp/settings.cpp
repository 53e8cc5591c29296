#include "settings.h"

namespace kek::rtmp {

kek::Result<Settings> read_settings(const Args& args) {
  Settings s;
  auto address = args.string("address", s.address);
  if (!address) return address.error();
  s.address = *address;
  auto port = args.integer("port", s.port, 0, 65535);
  if (!port) return port.error();
  s.port = static_cast<int>(*port);
  auto public_url = args.string("public_url", s.public_url);
  if (!public_url) return public_url.error();
  s.public_url = *public_url;
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

  auto take_over = args.boolean("take_over", s.take_over);
  if (!take_over) return take_over.error();
  s.take_over = *take_over;
  auto grace = args.integer("reconnect_grace_s", s.reconnect_grace_s, 0, 600);
  if (!grace) return grace.error();
  s.reconnect_grace_s = static_cast<int>(*grace);
  auto idle = args.integer("idle_timeout_s", s.idle_timeout_s, 1, 3600);
  if (!idle) return idle.error();
  s.idle_timeout_s = static_cast<int>(*idle);
  auto publish_timeout = args.integer("publish_timeout_s", s.publish_timeout_s, 1, 3600);
  if (!publish_timeout) return publish_timeout.error();
  s.publish_timeout_s = static_cast<int>(*publish_timeout);
  auto max_conn = args.integer("max_connections", s.max_connections, 1, 100000);
  if (!max_conn) return max_conn.error();
  s.max_connections = static_cast<int>(*max_conn);
  auto per_address = args.integer("max_connections_per_address", s.max_connections_per_address, 1, 100000);
  if (!per_address) return per_address.error();
  s.max_connections_per_address = static_cast<int>(*per_address);
  auto max_msg = args.integer("max_message_bytes", s.max_message_bytes, 4096, 256 * 1024 * 1024);
  if (!max_msg) return max_msg.error();
  s.max_message_bytes = *max_msg;
  auto gop = args.integer("gop_cache_bytes", s.gop_cache_bytes, 0, int64_t{1} << 30);
  if (!gop) return gop.error();
  s.gop_cache_bytes = *gop;
  auto push_threads = args.integer("push_threads", s.push_threads, 0, 64);
  if (!push_threads) return push_threads.error();
  s.push_threads = static_cast<int>(*push_threads);
  if (auto st = args.no_unknown_keys(); !st) return st.error();
  return s;
}

}  // namespace kek::rtmp
