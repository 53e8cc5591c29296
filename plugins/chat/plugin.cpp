// The chat plugin: a WebSocket per live stream (/api/chat/{stream}) where signed-in viewers
// write and everyone who may watch the stream reads; the streamer and admins moderate.
#define G_LOG_DOMAIN "kek-chat"
#include "chat_service.h"

#include <kek/plugin.h>

#include <gst/gst.h>

namespace {

std::vector<kek::Migration> migrations() {
  return {
      {1,
       "CREATE TABLE chat_bans ("
       "  channel TEXT NOT NULL,"
       "  user_id INTEGER NOT NULL,"
       "  until_us INTEGER NOT NULL,"
       "  by_user_id INTEGER NOT NULL,"
       "  created_at INTEGER NOT NULL,"
       "  PRIMARY KEY (channel, user_id))"},
  };
}

kek::Status init(kek::Host& host) {
  auto settings = kek::chat::read_settings(host.args());
  if (!settings) return settings.error();
  auto chat = std::make_shared<kek::chat::ChatService>(host, *settings);
  host.add_migrations(migrations());
  kek::WebSocketRoute route;
  route.check = [chat](const kek::HttpRequest& r) { return chat->check(r); };
  route.open = [chat](const kek::HttpRequest& r, std::shared_ptr<kek::WebSocket> socket) { chat->join(r, std::move(socket)); };
  route.max_message_bytes = 16 * 1024;
  host.http().websocket("/api/chat/{stream}", std::move(route));
  host.on_start([chat] { return chat->start(); });
  return {};
}

gboolean register_elements(GstPlugin*) { return TRUE; }

}  // namespace

KEK_PLUGIN(chat, KEK_VERSION, "Live chat: a WebSocket per stream, moderation by the streamer and admins", init)

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kekchat, "KEK chat (no elements)", register_elements,
                  KEK_VERSION, "LGPL", "kek", "https://github.com/kek")
