// The plugin's HTTP face, one function per area (see README.md for the API).
#pragma once

#include "routes_common.h"

namespace kek::auth {

void add_account_routes(const ContextPtr& ctx);     // /api/auth/...
void add_profile_routes(const ContextPtr& ctx);     // /api/users/..., /api/me...
void add_stream_key_routes(const ContextPtr& ctx);  // /api/me/stream-keys...
void add_admin_routes(const ContextPtr& ctx);       // /api/admin/...
void add_media_routes(const ContextPtr& ctx);       // /api/media/sign and the /media/ guard
void add_csrf_guard(const ContextPtr& ctx);         // every state change under /api/

}  // namespace kek::auth
