// Unguessable ids for items and uploads (an unlisted film is reachable by whoever knows its id).
#pragma once

#include <string>

namespace kek::library {

// `bytes` random bytes from the kernel's CSPRNG, as URL-safe base64 without padding
// (12 bytes: 16 characters of [A-Za-z0-9_-]).
std::string random_id(size_t bytes = 12);

// Whether `id` could be one of ours: 1-64 characters of [A-Za-z0-9_-] (checked before an id
// from a URL becomes part of a path).
bool is_valid_id(const std::string& id);

}  // namespace kek::library
