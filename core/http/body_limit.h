// The request body limit (HttpConfig::max_body_bytes), enforced while the request is read.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>

namespace kek::core::http {

// Call from the message's got-headers: answers 413 as soon as the body is known to be too large,
// from Content-Length before any of it is read, or as a chunked body grows past the limit. The
// handler never runs and the body is never kept.
void check_body_limit(SoupServerMessage* msg, int64_t max_bytes);

}  // namespace kek::core::http
