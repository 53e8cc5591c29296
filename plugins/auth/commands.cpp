#include "commands.h"

#include "account_admin.h"
#include "avatars.h"
#include "passwords.h"
#include "timestamps.h"

#include <cstdio>
#include <optional>

namespace kek::auth {

const char* const kUsersCommandHelp =
    "users add NAME [--admin] [--password P] [--email E] | list | passwd NAME [--password P] | delete NAME";

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct UsersOptions {
  std::vector<std::string> words;
  bool admin = false;
  std::optional<std::string> password;
  std::string email;
  std::string error;
};

UsersOptions parse(const std::vector<std::string>& args) {
  UsersOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        o.error = std::string(name) + " needs a value";
        return std::nullopt;
      }
      return args[++i];
    };
    if (a == "--admin") o.admin = true;
    else if (a == "--password") o.password = value("--password");
    else if (a == "--email") o.email = value("--email").value_or("");
    else if (a.starts_with("--")) o.error = "unknown option " + a;
    else o.words.push_back(a);
    if (!o.error.empty()) break;
  }
  return o;
}

int fail(const Error& e) {
  std::fprintf(stderr, "kek users: %s\n", e.message.c_str());
  return e.code == 400 ? kExitUsage : kExitFailure;
}

// A password given on the command line is checked like any other; none means a random one,
// printed once.
Result<std::string> password_for(const std::optional<std::string>& given, const std::string& username, bool* generated) {
  *generated = !given;
  std::string password = given ? *given : generate_password();
  if (auto s = check_password_rules(password, username); !s) return s.error();
  return password;
}

int add_user(AuthContext& ctx, const UsersOptions& o) {
  if (o.words.size() != 2) return fail({std::string("usage: kek ") + kUsersCommandHelp, 400});
  const std::string& name = o.words[1];
  if (auto s = check_username(name); !s) return fail(s.error());
  if (auto s = check_email(o.email); !s) return fail(s.error());
  bool generated = false;
  auto password = password_for(o.password, name, &generated);
  if (!password) return fail(password.error());
  auto hash = hash_password(*password);
  if (!hash) return fail(hash.error());
  auto user = ctx.users.create({name, o.email, *hash, o.admin ? kRoleAdmin : kRoleUser});
  if (!user) return fail(user.error());
  std::printf("user %s created (%s)\n", user->username.c_str(), user->role.c_str());
  if (generated) std::printf("password: %s\n", password->c_str());
  return kExitOk;
}

int list_users(AuthContext& ctx) {
  auto users = ctx.users.list();
  if (!users) return fail(users.error());
  std::printf("%-6s %-32s %-6s %-20s %s\n", "ID", "USERNAME", "ROLE", "JOINED", "EMAIL");
  for (const auto& u : *users)
    std::printf("%-6lld %-32s %-6s %-20s %s\n", static_cast<long long>(u.id), u.username.c_str(), u.role.c_str(),
                iso8601(u.created_at).c_str(), u.email.c_str());
  return kExitOk;
}

int set_password(AuthContext& ctx, const UsersOptions& o) {
  if (o.words.size() != 2) return fail({std::string("usage: kek ") + kUsersCommandHelp, 400});
  auto user = ctx.users.find_by_name(o.words[1]);
  if (!user) return fail(user.error());
  if (!*user) return fail({"no user named '" + o.words[1] + "'", 1});
  bool generated = false;
  auto password = password_for(o.password, (*user)->username, &generated);
  if (!password) return fail(password.error());
  auto hash = hash_password(*password);
  if (!hash) return fail(hash.error());
  if (auto s = ctx.users.set_password_hash((*user)->id, *hash); !s) return fail(s.error());
  // A new password ends every session made with the old one.
  if (auto n = ctx.sessions.revoke_all_except((*user)->id, 0); !n) return fail(n.error());
  std::printf("password of %s changed\n", (*user)->username.c_str());
  if (generated) std::printf("password: %s\n", password->c_str());
  return kExitOk;
}

int delete_user(AuthContext& ctx, const UsersOptions& o) {
  if (o.words.size() != 2) return fail({std::string("usage: kek ") + kUsersCommandHelp, 400});
  auto user = ctx.users.find_by_name(o.words[1]);
  if (!user) return fail(user.error());
  if (!*user) return fail({"no user named '" + o.words[1] + "'", 1});
  auto deleted = delete_account(ctx, (*user)->id);
  if (!deleted) return fail(deleted.error());
  remove_avatars(ctx.host.media_dir(), deleted->id);  // offline: nothing is served meanwhile
  std::printf("user %s deleted\n", o.words[1].c_str());
  return kExitOk;
}

}  // namespace

int run_users_command(AuthContext& ctx, const std::vector<std::string>& args) {
  UsersOptions o = parse(args);
  if (!o.error.empty()) return fail({o.error, 400});
  const std::string verb = o.words.empty() ? "" : o.words[0];
  if (verb == "add") return add_user(ctx, o);
  if (verb == "list" && o.words.size() == 1) return list_users(ctx);
  if (verb == "passwd") return set_password(ctx, o);
  if (verb == "delete") return delete_user(ctx, o);
  return fail({std::string("usage: kek ") + kUsersCommandHelp, 400});
}

Status ensure_admin_exists(AuthContext& ctx) {
  // An admin who is disabled cannot sign in: only enabled ones count.
  auto enabled = ctx.users.enabled_admins_except(0);
  if (!enabled) return enabled.error();
  if (*enabled > 0) return {};
  auto any = ctx.users.any_admin();
  if (!any) return any.error();
  const bool all_disabled = *any;
  const char* from_environment = g_getenv("KEK_ADMIN_PASSWORD");
  const bool generated = !from_environment || !*from_environment;
  const std::string password = generated ? generate_password() : std::string(from_environment);
  if (auto s = check_password_rules(password, "admin"); !s) return wrap(s.error(), "KEK_ADMIN_PASSWORD");
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  // "admin" may be an ordinary account already; then the first free "adminN" is used.
  for (int n = 0; n < 100; ++n) {
    const std::string name = n == 0 ? "admin" : "admin" + std::to_string(n);
    auto user = ctx.users.create({name, "", *hash, kRoleAdmin});
    if (!user && user.error().code == 409) continue;
    if (!user) return user.error();
    if (all_disabled)
      g_message("auth: every admin account is disabled: created the admin account '%s' (enable or delete the old ones "
                "on the Admin page)", name.c_str());
    else
      g_message("auth: created the first admin account '%s'", name.c_str());
    if (generated) {
      // Once, on stdout only (never in the log): whoever started kek signs in with it.
      std::printf("admin user: %s\nadmin password: %s\n", name.c_str(), password.c_str());
      std::fflush(stdout);
    }
    return {};
  }
  return Error{"no free name for the first admin account", 500};
}

}  // namespace kek::auth
