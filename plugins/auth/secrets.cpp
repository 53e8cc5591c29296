#include "secrets.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <sodium.h>

namespace kek::auth {

Status init_crypto() {
  if (sodium_init() < 0) return Error{"libsodium could not be initialised", 500};
  return {};
}

std::string random_hex(size_t bytes) {
  std::vector<uint8_t> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), raw.data(), raw.size());
  hex.pop_back();
  sodium_memzero(raw.data(), raw.size());
  return hex;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64url(const std::vector<uint8_t>& bytes) {
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), variant);
  out.resize(out.find('\0'));
  return out;
}

std::vector<uint8_t> hmac_sha256(const std::vector<uint8_t>& key, std::string_view message) {
  std::vector<uint8_t> mac(crypto_auth_hmacsha256_BYTES);
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  return mac;
}

Result<std::vector<uint8_t>> load_or_create_secret(const std::string& data_dir, const std::string& name,
                                                   size_t bytes) {
  const std::string dir = data_dir + "/secrets";
  const std::string path = dir + "/" + name;
  if (g_mkdir_with_parents(dir.c_str(), 0700) != 0)
    return Error{"cannot create " + dir + ": " + g_strerror(errno), 500};
  g_autofree char* text = nullptr;
  gsize length = 0;
  if (g_file_get_contents(path.c_str(), &text, &length, nullptr)) {
    if (length != bytes) return Error{path + " should hold " + std::to_string(bytes) + " bytes; remove it to make a new one", 500};
    return std::vector<uint8_t>(text, text + length);
  }
  std::vector<uint8_t> secret(bytes);
  randombytes_buf(secret.data(), secret.size());
  GError* error = nullptr;
  if (!g_file_set_contents_full(path.c_str(), reinterpret_cast<const char*>(secret.data()),
                                static_cast<gssize>(secret.size()), G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error)) {
    Error failure{"cannot write " + path + ": " + error->message, 500};
    g_clear_error(&error);
    return failure;
  }
  return secret;
}

}  // namespace kek::auth
