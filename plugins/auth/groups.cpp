#include "groups.h"

#include "timestamps.h"


namespace kek::auth {

Status check_group_name(std::string_view name) {
  // The same alphabet as user names: a group is written "group:NAME" in allowed lists.
  if (auto s = check_username(name); !s) return Error{"the group name needs 3 to 32 letters, digits, '_', '-' or '.'", 400, "invalid_group_name"};
  return {};
}

Result<Group> GroupStore::put(const std::string& name, const std::vector<std::string>& members) {
  if (auto s = check_group_name(name); !s) return s.error();
  Group group{name, {}};
  Status done = db_().transaction([&]() -> Status {
    auto existing = db_().query("SELECT id, name FROM auth_groups WHERE name = ? COLLATE NOCASE", {name});
    if (!existing) return existing.error();
    int64_t id = 0;
    if (existing->empty()) {
      auto r = db_().exec("INSERT INTO auth_groups (name, created_at) VALUES (?, ?)", {name, now_seconds()});
      if (!r) return r.error();
      id = r->last_insert_id;
    } else {
      id = existing->front().integer("id");
      group.name = existing->front().text("name");
      if (auto r = db_().exec("DELETE FROM auth_group_members WHERE group_id = ?", {id}); !r) return r.error();
    }
    for (const auto& member : members) {
      auto user = db_().query(
          "SELECT id, username FROM auth_users WHERE username = ? COLLATE NOCASE AND deleted_at IS NULL", {member});
      if (!user) return user.error();
      if (user->empty()) return Error{"no user named '" + member + "'", 400, "no_such_user"};
      auto r = db_().exec("INSERT OR IGNORE INTO auth_group_members (group_id, user_id) VALUES (?, ?)",
                          {id, user->front().integer("id")});
      if (!r) return r.error();
      group.members.push_back(user->front().text("username"));
    }
    return {};
  });
  if (!done) return done.error();
  return group;
}

Result<std::vector<Group>> GroupStore::list() {
  auto rows = db_().query(
      "SELECT g.name AS name, u.username AS member FROM auth_groups g"
      " LEFT JOIN auth_group_members m ON m.group_id = g.id LEFT JOIN auth_users u ON u.id = m.user_id"
      " ORDER BY g.name, u.username");
  if (!rows) return wrap(rows.error(), "list groups");
  std::vector<Group> groups;
  for (const auto& row : *rows) {
    if (groups.empty() || groups.back().name != row.text("name")) groups.push_back({row.text("name"), {}});
    if (!row.is_null("member")) groups.back().members.push_back(row.text("member"));
  }
  return groups;
}

Result<bool> GroupStore::is_member(std::string_view group, int64_t user_id) {
  auto rows = db_().query(
      "SELECT 1 AS yes FROM auth_group_members m JOIN auth_groups g ON g.id = m.group_id"
      " WHERE g.name = ? COLLATE NOCASE AND m.user_id = ?",
      {std::string(group), user_id});
  if (!rows) return wrap(rows.error(), "group membership");
  return !rows->empty();
}

Status GroupStore::remove_from_all(int64_t user_id) {
  auto r = db_().exec("DELETE FROM auth_group_members WHERE user_id = ?", {user_id});
  if (!r) return wrap(r.error(), "leave groups");
  return {};
}

}  // namespace kek::auth
