// GET /api/events: Server-Sent Events (text/event-stream, chunked, never ending) to every
// connected browser, each event only to the clients its audience admits (Identity::may_view for a
// media prefix, the user's id, or everyone). A heartbeat comment every 15 s keeps proxies from
// closing idle streams; a client that reads too slowly is dropped rather than buffered for.
#pragma once

#include <kek/browser_events.h>
#include <kek/http.h>
#include <kek/services.h>

#include <libsoup/soup.h>

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kek::core::http {

struct EventStreamLimits {
  int heartbeat_s = 15;
  int64_t max_pending_bytes = 256 * 1024;  // written to a client but not yet sent: past it, dropped
  int retry_ms = 3000;                     // the browser's reconnect delay
};

class EventStreamHub final : public BrowserEvents {
 public:
  // services: where the Identity service is found (looked up per connection; without it every
  // client is anonymous). context: the main loop's context.
  EventStreamHub(Services& services, GMainContext* context, EventStreamLimits limits = {});
  ~EventStreamHub() override;
  EventStreamHub(const EventStreamHub&) = delete;
  EventStreamHub& operator=(const EventStreamHub&) = delete;

  void publish(BrowserEvent event) override;
  size_t clients() const override { return clients_.size(); }

  // The handler of GET /api/events (main thread).
  void serve(SoupServerMessage* msg, const HttpRequest& request);

 private:
  struct Client;
  void deliver(const BrowserEvent& event);
  bool admits(const Client& client, const BrowserAudience& audience);
  void send(Client& client, const std::string& text);
  void drop(Client* client, const char* why);
  void heartbeat();

  Services& services_;
  GMainContext* context_;
  EventStreamLimits limits_;
  std::list<std::unique_ptr<Client>> clients_;
  GSource* heartbeat_ = nullptr;
  std::shared_ptr<bool> alive_;
};

}  // namespace kek::core::http
