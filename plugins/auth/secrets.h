// Random tokens, one-way hashes of tokens and the server secret file: the few primitives every
// part of the plugin builds on (libsodium underneath).
#pragma once

#include <kek/error.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kek::auth {

// Must run before any other call here; safe to call more than once.
Status init_crypto();

// bytes of randomness as lower-case hex (2 characters per byte).
std::string random_hex(size_t bytes);
// SHA-256 as lower-case hex. Tokens with 128+ bits of entropy need no salt or slow hash.
std::string sha256_hex(std::string_view data);
// Constant-time comparison, so a guess's timing says nothing about how much of it was right.
bool same_secret(std::string_view a, std::string_view b);

std::string base64url(const std::vector<uint8_t>& bytes);
std::vector<uint8_t> hmac_sha256(const std::vector<uint8_t>& key, std::string_view message);

// Reads data_dir/secrets/NAME, creating it (0600, in a 0700 folder) with `bytes` random bytes
// the first time. The same file is used by every later run, so signed URLs survive restarts.
Result<std::vector<uint8_t>> load_or_create_secret(const std::string& data_dir, const std::string& name,
                                                   size_t bytes);

}  // namespace kek::auth
