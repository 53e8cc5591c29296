// Content types and cache rules for the files kek serves, chosen by file extension.
#pragma once

#include <string>
#include <string_view>

namespace kek::core::http {

// The lower-cased extension without the dot ("m3u8"), or "" when the last segment has none.
std::string file_extension(std::string_view path);

// "application/octet-stream" for anything not in the table.
std::string_view mime_type_for(std::string_view path);

// /media/: playlists and manifests change under a live stream, so they are always revalidated;
// segments, thumbnails and captions get a fresh name for new content, so they never change;
// anything else (a live init segment whose name is reused, posters...) is cached briefly.
std::string_view media_cache_control(std::string_view path);
// The same rule for an answer meant for one client (it came with a cookie or a token): "public"
// becomes "private", so a shared cache (a CDN, a proxy) never hands it to someone else.
std::string personal_cache_control(std::string_view cache_control);

// The web UI: Vite puts content hashes in /assets/ names; index.html must always be fresh.
std::string_view webui_cache_control(std::string_view request_path, bool is_index);

inline constexpr std::string_view kNoCache = "no-cache";
inline constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
inline constexpr std::string_view kShortLived = "public, max-age=60";

}  // namespace kek::core::http
