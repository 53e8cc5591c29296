// Named groups of users ("family"), so media can be shared with "group:family" at once.
#pragma once

#include "users.h"

#include <string>
#include <vector>

namespace kek::auth {

struct Group {
  std::string name;
  std::vector<std::string> members;  // user names
};

Status check_group_name(std::string_view name);

class GroupStore {
 public:
  explicit GroupStore(DbAccess db) : db_(std::move(db)) {}

  // Creates the group or replaces its members; 400 naming the first unknown user.
  Result<Group> put(const std::string& name, const std::vector<std::string>& members);
  Result<std::vector<Group>> list();
  Result<bool> is_member(std::string_view group, int64_t user_id);
  // A deleted account leaves every group (same transaction as the deletion).
  Status remove_from_all(int64_t user_id);

 private:
  DbAccess db_;
};

}  // namespace kek::auth
