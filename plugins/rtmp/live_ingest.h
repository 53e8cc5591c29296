// kek::LiveIngest: publishes from other protocols (SRT, WHIP) go through the same server as an
// RTMP publish (authorizer, registry, the app's layout, reconnect grace, /api/live).
#pragma once

#include "server.h"

#include <kek/services/live_ingest.h>

namespace kek::rtmp {

class LiveIngestService : public kek::LiveIngest {
 public:
  explicit LiveIngestService(Server& server) : server_(server) {}
  kek::Result<std::unique_ptr<LivePublish>> publish(const LiveIngestRequest& request,
                                               std::function<void(const std::string&)> on_terminated) override;

 private:
  Server& server_;
};

}  // namespace kek::rtmp
