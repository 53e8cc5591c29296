#include "protocol.h"

#include <kek/json.h>

#include <glib.h>

namespace kek::chat {
namespace {

Error bad(std::string message) { return Error{std::move(message), 400, "chat_bad_message"}; }

std::string iso_time(int64_t real_time_us) {
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(real_time_us / G_USEC_PER_SEC);
  if (!t) return "";
  g_autofree char* s = g_date_time_format_iso8601(t);
  return s ? s : "";
}

void write_message(JsonWriter& w, const ChatMessage& m) {
  w.begin_object()
      .member("id", m.id)
      .member("user", m.user)
      .member("display_name", m.display_name.empty() ? m.user : m.display_name);
  w.key("role");
  if (m.role.empty()) w.null();
  else w.value(m.role);
  w.member("text", m.text).member("at", iso_time(m.at_us)).end_object();
}

}  // namespace

Result<ClientMessage> parse_client_message(std::string_view frame) {
  if (frame.size() > 64 * 1024) return bad("the message is too large");
  auto doc = JsonDoc::parse(frame);
  if (!doc || !doc->object()) return bad("a chat message is a JSON object");
  auto type = doc->string("type");
  if (!type || !*type) return bad("'type' is required");
  ClientMessage m;
  const std::string& t = **type;
  if (t == "send") {
    auto text = doc->string("text");
    if (!text || !*text) return bad("'text' is required");
    m.type = ClientMessage::Type::send;
    m.text = **text;
  } else if (t == "delete") {
    auto id = doc->integer("id");
    if (!id || !*id) return bad("'id' is required");
    m.type = ClientMessage::Type::remove;
    m.id = **id;
  } else if (t == "timeout" || t == "ban" || t == "unban") {
    auto user = doc->string("user");
    if (!user || !*user || (*user)->empty()) return bad("'user' is required");
    m.user = **user;
    if (t == "timeout") {
      auto seconds = doc->integer("seconds");
      if (!seconds || !*seconds || **seconds <= 0) return bad("'seconds' must be a positive integer");
      m.type = ClientMessage::Type::timeout;
      m.seconds = **seconds;
    } else {
      m.type = t == "ban" ? ClientMessage::Type::ban : ClientMessage::Type::unban;
    }
  } else {
    return bad("unknown message type");
  }
  return m;
}

std::string message_object_json(const ChatMessage& m) {
  JsonWriter w;
  write_message(w, m);
  return w.str();
}

std::string message_frame(std::string_view object) {
  constexpr std::string_view head = R"({"type":"message","message":)";
  std::string out;
  out.reserve(head.size() + object.size() + 1);
  out.append(head).append(object).push_back('}');
  return out;
}

namespace {

std::string list_frame(std::string_view head, const std::vector<std::string_view>& objects) {
  size_t size = head.size() + 2 + objects.size();
  for (auto o : objects) size += o.size();
  std::string out;
  out.reserve(size);
  out.append(head);
  for (size_t i = 0; i < objects.size(); ++i) {
    if (i) out.push_back(',');
    out.append(objects[i]);
  }
  out.append("]}");
  return out;
}

}  // namespace

std::string history_frame(const std::vector<std::string_view>& objects) {
  return list_frame(R"({"type":"history","messages":[)", objects);
}

std::string messages_frame(const std::vector<std::string_view>& objects) {
  return list_frame(R"({"type":"messages","messages":[)", objects);
}

std::string message_json(const ChatMessage& m) { return message_frame(message_object_json(m)); }

std::string history_json(const std::vector<ChatMessage>& messages) {
  std::vector<std::string> objects;
  objects.reserve(messages.size());
  for (const auto& m : messages) objects.push_back(message_object_json(m));
  return history_frame(std::vector<std::string_view>(objects.begin(), objects.end()));
}

std::string deleted_json(int64_t id) {
  JsonWriter w;
  w.begin_object().member("type", "deleted").member("id", id).end_object();
  return w.str();
}

std::string moderation_json(const std::string& user, const std::string& action, int64_t until_us,
                            const std::vector<int64_t>& removed) {
  JsonWriter w;
  w.begin_object().member("type", "moderation").member("user", user).member("action", action);
  w.key("until");
  if (until_us > 0) w.value(iso_time(until_us));
  else w.null();
  w.key("removed").begin_array();
  for (int64_t id : removed) w.value(id);
  w.end_array().end_object();
  return w.str();
}

std::string error_json(const Error& error, int64_t retry_after_s) {
  JsonWriter w;
  w.begin_object().member("type", "error").member("code", error_code_of(error)).member("error", error.message);
  if (retry_after_s > 0) w.member("retry_after_s", retry_after_s);
  w.end_object();
  return w.str();
}

}  // namespace kek::chat
