// The host's own rule for /media/: the policy markers a MediaAccess provider keeps
// (kek::policy_marker_path, under media/.kek-policies/) are never served, and without a
// provider nothing below a marked prefix is: a server started without its auth plugin serves
// no media that a policy made private or unlisted.
#define G_LOG_DOMAIN "kek"
#include "host/app.h"

#include <kek/services/media_access.h>

#include <glib.h>

namespace kek::core {

void App::register_media_guard() {
  http_->guard("/media/", [this](const HttpRequest& request) -> std::optional<HttpResponse> {
    constexpr std::string_view root = "/media/";
    if (!request.path.starts_with(root)) return std::nullopt;
    const std::string_view relative = std::string_view(request.path).substr(root.size());
    const std::string markers = std::string(kPolicyMarkerDir) + "/";
    if (relative.starts_with(markers) || relative == kPolicyMarkerDir) return HttpResponse::error(404, "not found");
    if (services_.get<MediaAccess>()) return std::nullopt;  // the provider decides
    // Every folder from the media root down to the file's: a marker for any of them covers it.
    // (A few stat calls per request, and only on a server running without its provider.)
    for (size_t end = relative.find('/'); end != std::string_view::npos; end = relative.find('/', end + 1)) {
      const std::string marker = policy_marker_path(config_.media_dir, relative.substr(0, end + 1));
      if (g_file_test(marker.c_str(), G_FILE_TEST_EXISTS))
        return HttpResponse::error(403, "no_access_provider",
                                   "this media is not public, and the server runs without the plugin that decides who may "
                                   "watch it (auth)");
    }
    return std::nullopt;
  });
}

}  // namespace kek::core
