#define G_LOG_DOMAIN "kek-http"

#include "http/mime.h"

#include <glib.h>

#include <array>
#include <utility>

namespace kek::core::http {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 40> kMimeTypes{{
    // streaming
    {"m3u8", "application/vnd.apple.mpegurl"},
    {"m3u", "audio/mpegurl"},
    {"ts", "video/mp2t"},
    {"m4s", "video/iso.segment"},
    {"mp4", "video/mp4"},
    {"m4v", "video/mp4"},
    {"m4a", "audio/mp4"},
    {"mpd", "application/dash+xml"},
    {"vtt", "text/vtt; charset=utf-8"},
    {"webm", "video/webm"},
    {"mkv", "video/x-matroska"},
    {"mov", "video/quicktime"},
    {"flv", "video/x-flv"},
    {"aac", "audio/aac"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"opus", "audio/opus"},
    // images
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"png", "image/png"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"ico", "image/x-icon"},
    // web UI
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"map", "application/json"},
    {"json", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"ttf", "font/ttf"},
    {"wasm", "application/wasm"},
    {"txt", "text/plain; charset=utf-8"},
    {"xml", "application/xml"},
    {"srt", "application/x-subrip"},
}};

}  // namespace

std::string file_extension(std::string_view path) {
  size_t slash = path.find_last_of('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.find_last_of('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) return {};
  std::string extension(name.substr(dot + 1));
  for (char& c : extension) c = g_ascii_tolower(c);
  return extension;
}

std::string_view mime_type_for(std::string_view path) {
  std::string extension = file_extension(path);
  for (const auto& [known, type] : kMimeTypes)
    if (known == extension) return type;
  return "application/octet-stream";
}

std::string_view media_cache_control(std::string_view path) {
  std::string extension = file_extension(path);
  if (extension == "m3u8" || extension == "mpd") return kNoCache;
  if (extension == "ts" || extension == "m4s" || extension == "jpg" || extension == "jpeg" ||
      extension == "vtt")
    return kImmutable;
  return kShortLived;
}

std::string personal_cache_control(std::string_view cache_control) {
  constexpr std::string_view kPublic = "public";
  if (cache_control.starts_with(kPublic)) return "private" + std::string(cache_control.substr(kPublic.size()));
  return std::string(cache_control);
}

std::string_view webui_cache_control(std::string_view request_path, bool is_index) {
  if (is_index) return kNoCache;
  if (request_path.starts_with("/assets/")) return kImmutable;
  return kShortLived;
}

}  // namespace kek::core::http
