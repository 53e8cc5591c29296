#include "bodies.h"

namespace kek::auth {

Result<JsonDoc> json_object_body(std::string_view body) {
  if (body.size() > kMaxJsonBody) return Error{"the request body is too large", 413, "body_too_large"};
  auto doc = JsonDoc::parse(body.empty() ? std::string_view("{}") : body);
  if (!doc) return doc.error();
  if (!doc->object()) return Error{"the request body must be a JSON object", 400, "json_object_expected"};
  return doc;
}

Result<std::string> required_string(const JsonDoc& doc, std::string_view key) {
  auto value = doc.string(key);
  if (!value) return value.error();
  if (!*value) return Error{"'" + std::string(key) + "' is required", 400, "field_required"};
  return std::move(**value);
}

Result<std::optional<std::vector<std::string>>> string_list(const JsonDoc& doc, std::string_view key) {
  JsonObject* object = doc.object();
  JsonNode* node = object ? json_object_get_member(object, std::string(key).c_str()) : nullptr;
  if (!node || JSON_NODE_HOLDS_NULL(node)) return std::optional<std::vector<std::string>>{};
  const Error wrong{"'" + std::string(key) + "' must be a list of strings", 400};
  if (!JSON_NODE_HOLDS_ARRAY(node)) return wrong;
  std::vector<std::string> out;
  JsonArray* array = json_node_get_array(node);
  for (guint i = 0; i < json_array_get_length(array); ++i) {
    JsonNode* e = json_array_get_element(array, i);
    if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING) return wrong;
    out.emplace_back(json_node_get_string(e));
  }
  return std::optional<std::vector<std::string>>{std::move(out)};
}

std::optional<Visibility> parse_visibility(std::string_view text) {
  if (text == "public") return Visibility::public_;
  if (text == "unlisted") return Visibility::unlisted;
  if (text == "private") return Visibility::private_;
  return std::nullopt;
}

namespace {

Result<std::optional<Visibility>> read_visibility(const JsonDoc& doc) {
  auto text = doc.string("visibility");
  if (!text) return text.error();
  if (!*text) return std::optional<Visibility>{};
  auto visibility = parse_visibility(**text);
  if (!visibility) return Error{"visibility must be public, unlisted or private", 400, "invalid_visibility"};
  return std::optional<Visibility>{*visibility};
}

}  // namespace

Result<LoginBody> parse_login(std::string_view body) {
  auto doc = json_object_body(body);
  if (!doc) return doc.error();
  auto username = required_string(*doc, "username");
  if (!username) return username.error();
  auto password = required_string(*doc, "password");
  if (!password) return password.error();
  return LoginBody{std::move(*username), std::move(*password)};
}

Result<RegistrationBody> parse_registration(std::string_view body) {
  auto doc = json_object_body(body);
  if (!doc) return doc.error();
  RegistrationBody r;
  auto username = required_string(*doc, "username");
  if (!username) return username.error();
  r.username = std::move(*username);
  auto email = required_string(*doc, "email");
  if (!email) return email.error();
  r.email = std::move(*email);
  auto password = required_string(*doc, "password");
  if (!password) return password.error();
  r.password = std::move(*password);
  auto invite = doc->string("invite");
  if (!invite) return invite.error();
  r.invite = std::move(*invite);
  return r;
}

Result<PasswordChangeBody> parse_password_change(std::string_view body) {
  auto doc = json_object_body(body);
  if (!doc) return doc.error();
  auto current = required_string(*doc, "current_password");
  if (!current) return current.error();
  auto replacement = required_string(*doc, "new_password");
  if (!replacement) return replacement.error();
  return PasswordChangeBody{std::move(*current), std::move(*replacement)};
}

Result<ProfileBody> parse_profile(std::string_view body) {
  auto doc = json_object_body(body);
  if (!doc) return doc.error();
  ProfileBody p;
  for (auto [key, target] : {std::pair{"display_name", &p.display_name}, std::pair{"email", &p.email},
                             std::pair{"bio", &p.bio}}) {
    auto value = doc->string(key);
    if (!value) return value.error();
    *target = std::move(*value);
  }
  return p;
}

Result<StreamKeyBody> parse_stream_key(std::string_view body) {
  auto doc = json_object_body(body);
  if (!doc) return doc.error();
  StreamKeyBody k;
  auto name = required_string(*doc, "name");
  if (!name) return name.error();
  k.name = std::move(*name);
  auto visibility = read_visibility(*doc);
  if (!visibility) return visibility.error();
  k.visibility = *visibility;
  auto record = doc->boolean("record");
  if (!record) return record.error();
  k.record = *record;
  return k;
}

Result<StreamKeyChange> parse_stream_key_change(std::string_view body) {
  auto doc = json_object_body(body);
  if (!doc) return doc.error();
  StreamKeyChange change;
  auto name = doc->string("name");
  if (!name) return name.error();
  change.name = std::move(*name);
  auto visibility = read_visibility(*doc);
  if (!visibility) return visibility.error();
  change.visibility = *visibility;
  auto allowed = string_list(*doc, "allowed");
  if (!allowed) return allowed.error();
  change.allowed = std::move(*allowed);
  auto record = doc->boolean("record");
  if (!record) return record.error();
  change.record = *record;
  return change;
}

Result<InviteBody> parse_invite(std::string_view body) {
  auto doc = json_object_body(body);
  if (!doc) return doc.error();
  auto days = doc->integer("valid_days");
  if (!days) return days.error();
  return InviteBody{*days};
}

Result<GroupBody> parse_group(std::string_view body) {
  auto doc = json_object_body(body);
  if (!doc) return doc.error();
  auto name = required_string(*doc, "name");
  if (!name) return name.error();
  auto members = string_list(*doc, "members");
  if (!members) return members.error();
  return GroupBody{std::move(*name), members->value_or(std::vector<std::string>{})};
}

Result<AccountChange> parse_account_change(std::string_view body) {
  auto doc = json_object_body(body);
  if (!doc) return doc.error();
  AccountChange change;
  auto role = doc->string("role");
  if (!role) return role.error();
  change.role = std::move(*role);
  auto disabled = doc->boolean("disabled");
  if (!disabled) return disabled.error();
  change.disabled = *disabled;
  return change;
}

Result<SignBody> parse_sign(std::string_view body) {
  auto doc = json_object_body(body);
  if (!doc) return doc.error();
  auto prefix = required_string(*doc, "prefix");
  if (!prefix) return prefix.error();
  auto ttl = doc->integer("ttl_s");
  if (!ttl) return ttl.error();
  return SignBody{std::move(*prefix), *ttl};
}

std::optional<std::string> beacon_csrf_token(std::string_view body) {
  auto doc = JsonDoc::parse(body);
  if (!doc) return std::nullopt;
  auto token = doc->string("csrf_token");
  if (!token || !*token) return std::nullopt;
  return **token;
}

}  // namespace kek::auth
