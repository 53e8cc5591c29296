#define G_LOG_DOMAIN "kek-http"

#include "http/event_stream.h"

#include <kek/services/identity.h>

#include <algorithm>
#include <utility>

namespace kek::core::http {

struct EventStreamHub::Client {
  EventStreamHub* hub = nullptr;
  SoupServerMessage* msg = nullptr;  // not owned; libsoup keeps it while the response runs
  std::optional<UserIdentity> viewer;
  int64_t appended = 0;
  int64_t written = 0;
  bool ended = false;
  gulong finished_handler = 0;
  gulong wrote_handler = 0;
};

EventStreamHub::EventStreamHub(Services& services, GMainContext* context, EventStreamLimits limits)
    : services_(services),
      context_(g_main_context_ref(context)),
      limits_(limits),
      alive_(std::make_shared<bool>(true)) {
  heartbeat_ = g_timeout_source_new(static_cast<guint>(std::max(1, limits_.heartbeat_s)) * 1000);
  g_source_set_callback(
      heartbeat_,
      [](gpointer self) -> gboolean {
        static_cast<EventStreamHub*>(self)->heartbeat();
        return G_SOURCE_CONTINUE;
      },
      this, nullptr);
  g_source_attach(heartbeat_, context_);
}

EventStreamHub::~EventStreamHub() {
  *alive_ = false;
  g_source_destroy(heartbeat_);
  g_source_unref(heartbeat_);
  while (!clients_.empty()) drop(clients_.front().get(), "the server stops");
  g_main_context_unref(context_);
}

void EventStreamHub::serve(SoupServerMessage* msg, const HttpRequest& request) {
  auto client = std::make_unique<Client>();
  client->hub = this;
  client->msg = msg;
  if (auto* identity = static_cast<Identity*>(services_.lookup(Identity::kName))) {
    auto user = identity->user_of(request);
    if (user) client->viewer = *user;
  }
  soup_server_message_set_status(msg, 200, nullptr);
  SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace(headers, "Content-Type", "text/event-stream; charset=utf-8");
  soup_message_headers_replace(headers, "Cache-Control", "no-store");
  soup_message_headers_replace(headers, "X-Accel-Buffering", "no");  // nginx in front: do not buffer
  soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
  Client* raw = client.get();
  raw->finished_handler = g_signal_connect(msg, "finished", G_CALLBACK(+[](SoupServerMessage*, gpointer data) {
                                             auto* c = static_cast<Client*>(data);
                                             c->msg = nullptr;
                                             c->hub->drop(c, nullptr);
                                           }),
                                           raw);
  raw->wrote_handler = g_signal_connect(msg, "wrote-body-data", G_CALLBACK(+[](SoupServerMessage*, guint size, gpointer data) {
                                          static_cast<Client*>(data)->written += size;
                                        }),
                                        raw);
  clients_.push_back(std::move(client));
  send(*raw, "retry: " + std::to_string(limits_.retry_ms) + "\n: connected\n\n");
}

void EventStreamHub::publish(BrowserEvent event) {
  struct Delivery {
    EventStreamHub* hub;
    std::weak_ptr<bool> alive;
    BrowserEvent event;
  };
  auto delivery = std::make_unique<Delivery>(Delivery{this, alive_, std::move(event)});
  g_main_context_invoke_full(
      context_, G_PRIORITY_DEFAULT,
      [](gpointer data) -> gboolean {
        auto* d = static_cast<Delivery*>(data);
        if (auto alive = d->alive.lock(); alive && *alive) d->hub->deliver(d->event);
        return G_SOURCE_REMOVE;
      },
      delivery.release(), [](gpointer data) { std::unique_ptr<Delivery> owned(static_cast<Delivery*>(data)); });
}

bool EventStreamHub::admits(const Client& client, const BrowserAudience& audience) {
  if (audience.everyone) return true;
  if (audience.user_id != 0 && client.viewer && client.viewer->id == audience.user_id) return true;
  if (!audience.media_prefix.empty()) {
    auto* identity = static_cast<Identity*>(services_.lookup(Identity::kName));
    // Without accounts nothing is private.
    if (!identity) return true;
    return identity->may_view(client.viewer, audience.media_prefix);
  }
  return false;
}

void EventStreamHub::deliver(const BrowserEvent& event) {
  std::string data = event.data_json;
  std::replace(data.begin(), data.end(), '\n', ' ');
  std::string name = event.name;
  name.erase(std::remove_if(name.begin(), name.end(), [](char c) { return c == '\n' || c == '\r'; }), name.end());
  const std::string text = "event: " + name + "\ndata: " + data + "\n\n";
  // A copy of the pointers: send may drop a client.
  std::vector<Client*> targets;
  for (auto& c : clients_)
    if (!c->ended && admits(*c, event.audience)) targets.push_back(c.get());
  for (Client* c : targets) send(*c, text);
}

void EventStreamHub::send(Client& client, const std::string& text) {
  if (client.ended || !client.msg) return;
  if (client.appended - client.written + static_cast<int64_t>(text.size()) > limits_.max_pending_bytes) {
    drop(&client, "it reads too slowly");
    return;
  }
  client.appended += static_cast<int64_t>(text.size());
  soup_message_body_append(soup_server_message_get_response_body(client.msg), SOUP_MEMORY_COPY, text.data(), text.size());
  soup_server_message_unpause(client.msg);
}

void EventStreamHub::heartbeat() {
  std::vector<Client*> all;
  for (auto& c : clients_) all.push_back(c.get());
  for (Client* c : all) send(*c, ": heartbeat\n\n");
}

void EventStreamHub::drop(Client* client, const char* why) {
  auto it = std::find_if(clients_.begin(), clients_.end(), [client](const auto& c) { return c.get() == client; });
  if (it == clients_.end()) return;
  std::unique_ptr<Client> owned = std::move(*it);
  clients_.erase(it);
  owned->ended = true;
  if (!owned->msg) return;
  if (why) g_message("events: closing a stream to %s: %s", soup_server_message_get_remote_host(owned->msg), why);
  g_signal_handler_disconnect(owned->msg, owned->finished_handler);
  g_signal_handler_disconnect(owned->msg, owned->wrote_handler);
  soup_message_body_complete(soup_server_message_get_response_body(owned->msg));
  soup_server_message_unpause(owned->msg);
}

}  // namespace kek::core::http
