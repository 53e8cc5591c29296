// The chat: one room per stream, its members (open WebSockets) and its last messages, the
// rules for who may write and moderate, and fan-out of each message to everyone in the room.
// Main loop only.
#pragma once

#include "moderation.h"
#include "protocol.h"
#include "rate_limiter.h"
#include "settings.h"

#include <kek/host.h>
#include <kek/http.h>
#include <kek/services/identity.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kek::chat {

class ChatService {
 public:
  ChatService(Host& host, Settings settings);

  // Before the upgrade: 404 no_such_stream for a stream that is neither live nor has a room,
  // 403 for one the caller may not watch.
  std::optional<HttpResponse> check(const HttpRequest& request);
  void join(const HttpRequest& request, std::shared_ptr<WebSocket> socket);
  Status start() { return moderation_.load(); }

  size_t rooms() const { return rooms_.size(); }

 private:
  struct Member {
    std::shared_ptr<WebSocket> socket;
    std::optional<UserIdentity> user;
  };
  // A message kept for replay: what moderation needs, and its JSON object as sent (encoded once).
  struct Kept {
    int64_t id = 0;
    std::string user;
    std::string json;
  };
  struct Room {
    std::string stream;
    int64_t owner_id = 0;  // whose channel (0: a stream from the rtmp config)
    std::deque<Kept> history;
    // The history frame for whoever joins next, built from `history` when it is asked for after a
    // change (a crowd joining at once shares one).
    std::string history_frame;
    bool history_changed = true;
    std::vector<std::shared_ptr<Member>> members;
    int64_t last_active_us = 0;
  };

  Identity* identity() const;
  Room& room_for(const std::string& stream);
  void forget_quiet_rooms();
  // The channel a room's bans belong to: the owner's account, or the config stream.
  static std::string channel_key(const Room& room);
  bool is_moderator(const Room& room, const std::optional<UserIdentity>& user) const;

  void on_frame(const std::string& stream, const std::shared_ptr<Member>& member, std::string_view frame);
  void send_message(Room& room, Member& member, const std::string& text);
  void delete_message(Room& room, Member& member, int64_t id);
  void restrict_user(Room& room, Member& member, const ClientMessage& request);
  void broadcast(Room& room, const std::string& frame);
  const std::string& history_frame_of(Room& room);
  void refuse(Member& member, const Error& error, int64_t retry_after_s = 0);
  std::string hello_json(const Room& room, const Member& member) const;

  Host& host_;
  Settings settings_;
  RateLimiter limiter_;
  Moderation moderation_;
  std::map<std::string, Room> rooms_;
  int64_t next_id_ = 1;
};

}  // namespace kek::chat
