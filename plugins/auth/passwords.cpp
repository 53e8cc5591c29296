#include "passwords.h"

#include "secrets.h"

#include <gio/gio.h>
#include <sodium.h>

#include <mutex>
#include <set>

// glib-compile-resources output (auth.gresource.xml).
extern "C" GResource* kek_auth_get_resource(void);

namespace kek::auth {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& ch : out) ch = g_ascii_tolower(ch);
  return out;
}

// The list ships inside the plugin (data/common_passwords.txt), one password per line.
const std::set<std::string>& common_passwords() {
  static const std::set<std::string> list = [] {
    std::set<std::string> words;
    g_autoptr(GBytes) bytes = g_resource_lookup_data(kek_auth_get_resource(), "/kek/auth/common_passwords.txt",
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, nullptr);
    if (!bytes) return words;
    gsize size = 0;
    const auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
    std::string_view text(data, size);
    while (!text.empty()) {
      size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty() && line.front() != '#') words.insert(lower(line));
      if (end == std::string_view::npos) break;
      text.remove_prefix(end + 1);
    }
    return words;
  }();
  return list;
}

}  // namespace

Status check_password_rules(std::string_view password, std::string_view username) {
  if (password.size() < kMinPasswordLength)
    return Error{"the password needs at least " + std::to_string(kMinPasswordLength) + " characters", 400, "password_too_short"};
  if (password.size() > kMaxPasswordLength)
    return Error{"the password may have at most " + std::to_string(kMaxPasswordLength) + " characters", 400, "password_too_long"};
  if (common_passwords().count(lower(password)))
    return Error{"this password is one of the most common ones; choose another", 400, "password_too_common"};
  if (!username.empty() && lower(password) == lower(username))
    return Error{"the password must not be the user name", 400, "password_is_username"};
  return {};
}

Result<std::string> hash_password(std::string_view password) {
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return Error{"out of memory while hashing a password", 500};
  return std::string(hash);
}

bool verify_password(const std::string& stored_hash, std::string_view password) {
  return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

const std::string& decoy_password_hash() {
  static const std::string decoy = hash_password(random_hex(16)).value_or("");
  return decoy;
}

std::string generate_password() {
  // 96 bits, in an alphabet that survives being read aloud or typed from a terminal.
  std::vector<uint8_t> raw(12);
  randombytes_buf(raw.data(), raw.size());
  return base64url(raw);
}

}  // namespace kek::auth
