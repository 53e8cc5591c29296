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
  ~ChatService();
  ChatService(const ChatService&) = delete;
  ChatService& operator=(const ChatService&) = delete;

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
    // New messages not yet sent: they go out at the main loop's next turn, all that arrived by
    // then in one frame per member (see flush_pending).
    std::vector<std::string> pending;
    int64_t last_flush_us = 0;  // when the last send of new messages ended
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
  // Sends `frame` to every member, after the room's pending messages (order is kept).
  void broadcast(Room& room, const std::string& frame);
  // A new message goes out at once when the room is quiet; one that comes right after a send
  // (a burst, or a backlog read in one turn when the server fell behind) waits for the main
  // loop's next turn with every other that arrives by then: one frame ("messages") per member
  // rather than one per message, so the cost per message falls as the load rises instead of
  // the backlog growing.
  void queue_message(Room& room, std::string object);
  void flush(Room& room);
  void flush_pending();
  const std::string& history_frame_of(Room& room);
  void refuse(Room& room, Member& member, const Error& error, int64_t retry_after_s = 0);
  std::string hello_json(const Room& room, const Member& member) const;

  Host& host_;
  Settings settings_;
  RateLimiter limiter_;
  Moderation moderation_;
  std::map<std::string, Room> rooms_;
  std::vector<std::string> pending_rooms_;  // streams whose rooms have pending messages
  guint flush_source_ = 0;
  int64_t next_id_ = 1;
};

}  // namespace kek::chat
