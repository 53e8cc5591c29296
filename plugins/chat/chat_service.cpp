#include "chat_service.h"

#include <kek/json.h>
#include <kek/services/live_streams.h>
#include <kek/text.h>

#include <glib.h>

#include <algorithm>

namespace kek::chat {
namespace {

// A stream's public name is one URL segment; anything longer or odd is no stream of ours.
bool plausible_stream_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) { return g_ascii_isalnum(ch) || ch == '-' || ch == '_' || ch == '.'; });
}

// Chat is one line: line breaks and tabs become spaces, blanks around go.
std::string one_line(const std::string& text) {
  std::string out = text;
  for (char& ch : out)
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  g_autofree char* copy = g_strdup(out.c_str());
  return g_strstrip(copy);
}

}  // namespace

ChatService::ChatService(Host& host, Settings settings)
    : host_(host),
      settings_(settings),
      limiter_(settings.rate_messages, settings.rate_window_s * G_USEC_PER_SEC),
      moderation_(host) {}

ChatService::~ChatService() {
  if (flush_source_) g_source_remove(flush_source_);
}

Identity* ChatService::identity() const { return host_.services().get<Identity>(); }

std::optional<HttpResponse> ChatService::check(const HttpRequest& request) {
  const std::string& stream = request.params.at("stream");
  auto* live = host_.services().get<LiveStreams>();
  std::optional<LiveStreamInfo> now = plausible_stream_name(stream) && live ? live->find(stream) : std::nullopt;
  if (!now && !rooms_.count(stream)) return HttpResponse::error(404, "no_such_stream", "no such stream");
  if (auto* ident = identity()) {
    auto user = ident->user_of(request);
    if (!user) return HttpResponse::from(user.error());
    const std::string prefix = now ? now->media_prefix() : "live/" + stream + "/";
    if (!ident->may_open(*user, prefix))
      return HttpResponse::error(*user ? 403 : 401, "not_allowed_to_view", "you may not watch this stream");
  }
  return std::nullopt;
}

ChatService::Room& ChatService::room_for(const std::string& stream) {
  auto it = rooms_.find(stream);
  if (it == rooms_.end()) {
    forget_quiet_rooms();
    it = rooms_.emplace(stream, Room{}).first;
    it->second.stream = stream;
  }
  Room& room = it->second;
  // The owner of what is live now (a stream name can change hands only after its owner is gone).
  if (auto* live = host_.services().get<LiveStreams>())
    if (auto now = live->find(stream)) room.owner_id = now->owner_id;
  room.last_active_us = g_get_monotonic_time();
  return room;
}

void ChatService::forget_quiet_rooms() {
  while (static_cast<int64_t>(rooms_.size()) >= settings_.max_rooms) {
    auto quietest = rooms_.end();
    for (auto it = rooms_.begin(); it != rooms_.end(); ++it)
      if (it->second.members.empty() && (quietest == rooms_.end() || it->second.last_active_us < quietest->second.last_active_us))
        quietest = it;
    if (quietest == rooms_.end()) return;  // every room has people in it
    rooms_.erase(quietest);
  }
}

std::string ChatService::channel_key(const Room& room) {
  return room.owner_id > 0 ? "user:" + std::to_string(room.owner_id) : "stream:" + room.stream;
}

bool ChatService::is_moderator(const Room& room, const std::optional<UserIdentity>& user) const {
  return user && (user->admin || (room.owner_id > 0 && user->id == room.owner_id));
}

std::string ChatService::hello_json(const Room& room, const Member& member) const {
  JsonWriter w;
  w.begin_object().member("type", "hello").member("stream", room.stream).key("you");
  if (member.user) {
    const auto restriction = moderation_.restriction(channel_key(room), member.user->id, g_get_real_time());
    w.begin_object()
        .member("name", member.user->username)
        .member("can_write", !restriction.has_value())
        .member("can_moderate", is_moderator(room, member.user))
        .end_object();
  } else {
    w.null();
  }
  w.key("limits")
      .begin_object()
      .member("max_length", settings_.max_length)
      .member("rate_messages", settings_.rate_messages)
      .member("rate_window_s", settings_.rate_window_s)
      .end_object()
      .member("clickable_links", settings_.clickable_links)
      .end_object();
  return w.str();
}

void ChatService::join(const HttpRequest& request, std::shared_ptr<WebSocket> socket) {
  auto member = std::make_shared<Member>();
  member->socket = socket;
  if (auto* ident = identity())
    if (auto user = ident->user_of(request); user && *user) member->user = **user;
  const std::string stream = request.params.at("stream");
  Room& room = room_for(stream);
  flush(room);  // the history below has the pending messages: they are not for this one again
  room.members.push_back(member);
  socket->send(hello_json(room, *member));
  socket->send(history_frame_of(room));
  // The callbacks hold the member weakly: the room owns it; a closed socket drops both.
  std::weak_ptr<Member> weak = member;
  socket->on_message([this, stream, weak](std::string_view frame) {
    if (auto m = weak.lock()) on_frame(stream, m, frame);
  });
  socket->on_close([this, stream, weak] {
    auto it = rooms_.find(stream);
    if (it == rooms_.end()) return;
    auto m = weak.lock();
    if (!m) return;
    Room& room = it->second;
    std::erase(room.members, m);
    room.last_active_us = g_get_monotonic_time();
    if (room.members.empty()) {  // nobody to replay to: the cached frame goes until someone joins
      std::string().swap(room.history_frame);
      room.history_changed = true;
    }
  });
}

void ChatService::refuse(Room& room, Member& member, const Error& error, int64_t retry_after_s) {
  flush(room);  // what they sent before it shows first
  member.socket->send(error_json(error, retry_after_s));
}

void ChatService::broadcast(Room& room, const std::string& frame) {
  flush(room);
  for (const auto& m : room.members) m->socket->send(frame);
}

void ChatService::queue_message(Room& room, std::string object) {
  // Keeping up (nothing waits, the last send ended a while ago): out at once, no extra turn of
  // the main loop (each turn polls every open connection). Right after a send, in the same turn
  // as a rule (a backlog being read), it waits for the rest.
  constexpr int64_t kQuietUs = 2000;
  if (room.pending.empty() && g_get_monotonic_time() - room.last_flush_us >= kQuietUs) {
    room.pending.push_back(std::move(object));
    return flush(room);
  }
  if (room.pending.empty()) pending_rooms_.push_back(room.stream);
  room.pending.push_back(std::move(object));
  if (flush_source_) return;
  flush_source_ = g_idle_add_full(
      G_PRIORITY_DEFAULT,
      [](gpointer self) -> gboolean {
        auto* chat = static_cast<ChatService*>(self);
        chat->flush_source_ = 0;
        chat->flush_pending();
        return G_SOURCE_REMOVE;
      },
      this, nullptr);
}

void ChatService::flush(Room& room) {
  if (room.pending.empty()) return;
  std::string frame;
  if (room.pending.size() == 1) {
    frame = message_frame(room.pending.front());
  } else {
    frame = messages_frame(std::vector<std::string_view>(room.pending.begin(), room.pending.end()));
  }
  room.pending.clear();
  for (const auto& m : room.members) m->socket->send(frame);
  room.last_flush_us = g_get_monotonic_time();
}

void ChatService::flush_pending() {
  auto streams = std::move(pending_rooms_);
  pending_rooms_.clear();
  for (const auto& stream : streams)
    if (auto it = rooms_.find(stream); it != rooms_.end()) flush(it->second);
}

const std::string& ChatService::history_frame_of(Room& room) {
  if (room.history_changed) {
    std::vector<std::string_view> objects;
    objects.reserve(room.history.size());
    for (const auto& kept : room.history) objects.emplace_back(kept.json);
    room.history_frame = history_frame(objects);
    room.history_changed = false;
  }
  return room.history_frame;
}

void ChatService::on_frame(const std::string& stream, const std::shared_ptr<Member>& member, std::string_view frame) {
  auto it = rooms_.find(stream);
  if (it == rooms_.end()) return;
  Room& room = it->second;
  room.last_active_us = g_get_monotonic_time();
  auto request = parse_client_message(frame);
  if (!request) return refuse(room, *member, request.error());
  if (!member->user) return refuse(room, *member, Error{"sign in to write in the chat", 401, "sign_in_required"});
  switch (request->type) {
    case ClientMessage::Type::send: return send_message(room, *member, request->text);
    case ClientMessage::Type::remove: return delete_message(room, *member, request->id);
    case ClientMessage::Type::timeout:
    case ClientMessage::Type::ban:
    case ClientMessage::Type::unban: return restrict_user(room, *member, *request);
  }
}

void ChatService::send_message(Room& room, Member& member, const std::string& raw) {
  const UserIdentity& user = *member.user;
  const int64_t now = g_get_real_time();
  if (auto restriction = moderation_.restriction(channel_key(room), user.id, now)) {
    if (*restriction == 0) return refuse(room, member, Error{"you are banned from this chat", 403, "chat_banned"});
    return refuse(room, member, Error{"you are timed out in this chat", 403, "chat_timed_out"},
                  (*restriction - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  }
  const std::string text = one_line(raw);
  if (text.empty()) return refuse(room, member, Error{"the message is empty", 400, "chat_empty"});
  if (auto s = check_text(text, "a chat message", static_cast<size_t>(settings_.max_length)); !s) {
    Error e = s.error();
    if (e.reason == "text_too_long") e.reason = "chat_too_long";
    return refuse(room, member, e);
  }
  if (int64_t wait_us = limiter_.take(user.id, g_get_monotonic_time()); wait_us > 0)
    return refuse(room, member, Error{"slow down: too many messages", 429, "chat_rate_limited"},
                  (wait_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  ChatMessage m;
  m.id = next_id_++;
  m.user = user.username;
  m.display_name = user.display_name;
  m.role = room.owner_id > 0 && user.id == room.owner_id ? "streamer" : user.admin ? "admin" : "";
  m.text = text;
  m.at_us = now;
  // Encoded once: this frame goes to every member, the object into every later replay.
  Kept kept{m.id, m.user, message_object_json(m)};
  queue_message(room, kept.json);
  room.history.push_back(std::move(kept));
  while (static_cast<int64_t>(room.history.size()) > settings_.history) room.history.pop_front();
  room.history_changed = true;
}

void ChatService::delete_message(Room& room, Member& member, int64_t id) {
  if (!is_moderator(room, member.user))
    return refuse(room, member, Error{"only the streamer and admins moderate this chat", 403, "chat_not_moderator"});
  if (std::erase_if(room.history, [id](const Kept& m) { return m.id == id; }) > 0) room.history_changed = true;
  broadcast(room, deleted_json(id));
}

void ChatService::restrict_user(Room& room, Member& member, const ClientMessage& request) {
  if (!is_moderator(room, member.user))
    return refuse(room, member, Error{"only the streamer and admins moderate this chat", 403, "chat_not_moderator"});
  auto* ident = identity();
  auto target = ident ? ident->find_user(request.user) : Result<std::optional<UserIdentity>>(std::optional<UserIdentity>{});
  if (!target) return refuse(room, member, Error{"internal error", 500, "internal"});
  if (!*target) return refuse(room, member, Error{"no such user", 404, "no_such_user"});
  const UserIdentity& who = **target;
  if (who.admin || (room.owner_id > 0 && who.id == room.owner_id))
    return refuse(room, member, Error{"the streamer and admins cannot be moderated", 403, "chat_cannot_moderate"});
  const std::string channel = channel_key(room);
  const int64_t now = g_get_real_time();
  int64_t until = 0;
  std::string action;
  Status done;
  if (request.type == ClientMessage::Type::unban) {
    action = "unban";
    done = moderation_.lift(channel, who.id);
  } else {
    if (request.type == ClientMessage::Type::timeout) {
      until = now + std::min(request.seconds, settings_.max_timeout_s) * G_USEC_PER_SEC;
      action = "timeout";
    } else {
      action = "ban";
    }
    done = moderation_.restrict(channel, who.id, until, member.user->id);
  }
  if (!done) {
    g_warning("chat: %s", done.error().message.c_str());
    return refuse(room, member, Error{"internal error", 500, "internal"});
  }
  // What they wrote goes with them (as on other platforms); everyone's list drops it.
  std::vector<int64_t> removed;
  if (action != "unban") {
    for (const auto& m : room.history)
      if (m.user == who.username) removed.push_back(m.id);
    if (std::erase_if(room.history, [&](const Kept& m) { return m.user == who.username; }) > 0) room.history_changed = true;
  }
  broadcast(room, moderation_json(who.username, action, until, removed));
  // Their open connections learn they may (not) write.
  for (const auto& m : room.members)
    if (m->user && m->user->id == who.id) m->socket->send(hello_json(room, *m));
}

}  // namespace kek::chat
