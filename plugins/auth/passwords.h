// Password rules and Argon2id hashing. A password never leaves this file other than as a hash,
// and nothing here logs one.
#pragma once

#include <kek/error.h>

#include <string>
#include <string_view>

namespace kek::auth {

inline constexpr size_t kMinPasswordLength = 8;
inline constexpr size_t kMaxPasswordLength = 1024;  // Argon2 takes any length; bodies stay small

// 400 with a message the user can act on, or ok. username: the account it is for, if known.
Status check_password_rules(std::string_view password, std::string_view username = {});

// Argon2id, libsodium's interactive limits (~0.1 s, 64 MiB): slow on purpose, so call it from a
// worker thread in request handlers (see kek/worker.h).
Result<std::string> hash_password(std::string_view password);
bool verify_password(const std::string& stored_hash, std::string_view password);
// A valid hash of a password nobody knows: checking it costs what a real check costs, so an
// unknown user name takes as long to refuse as a wrong password.
const std::string& decoy_password_hash();

// A random password for accounts created without one (first admin, `kek users add`).
std::string generate_password();

}  // namespace kek::auth
