// The offline banner a streamer uploads for their channel page: decoded and re-encoded by
// kek::Images (bounded: 4096 px a side, one picture per user at a time, a deadline), cut to a
// 4:1 JPEG, stored as media/banners/<user_id>/<version>.jpg on a worker. A new version gets a
// new URL, so the file can be cached for long.
#include "channels_plugin.h"

#include <kek/atomic_file.h>
#include <kek/json.h>
#include <kek/services/images.h>
#include <kek/worker.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <cstring>

namespace kek::channels {
namespace {

constexpr int64_t kMaxBannerBytes = 8 * 1024 * 1024;
constexpr int kBannerWidth = 1280;
constexpr int kBannerHeight = 320;

std::string banner_dir(const std::string& media_dir, int64_t user_id) {
  return media_dir + "/banners/" + std::to_string(user_id);
}

// Removes every version but `keep` (0: all, and the folder). Blocking file I/O: worker.
void remove_banners(const std::string& dir, int64_t keep) {
  const std::string kept = keep > 0 ? std::to_string(keep) + ".jpg" : "";
  if (GDir* d = g_dir_open(dir.c_str(), 0, nullptr)) {
    while (const char* name = g_dir_read_name(d))
      if (kept != name) g_remove((dir + "/" + name).c_str());
    g_dir_close(d);
  }
  if (keep == 0) g_rmdir(dir.c_str());
}

Status store_banner(const std::string& dir, int64_t version, const std::string& jpeg) {
  if (g_mkdir_with_parents(dir.c_str(), 0755) != 0)
    return Error{"cannot create " + dir + ": " + std::strerror(errno), 500};
  if (int err = replace_file_atomically(dir + "/" + std::to_string(version) + ".jpg", jpeg.data(), jpeg.size()); err != 0)
    return Error{"cannot store the banner: " + std::string(std::strerror(err)), 500};
  remove_banners(dir, version);
  return {};
}

HttpResponse banner_answer(const ChannelsPlugin& p, int64_t user_id) {
  JsonWriter w;
  w.begin_object().key("banner_url");
  if (const std::string url = banner_url(p, user_id); !url.empty()) w.value(url);
  else w.null();
  w.end_object();
  return HttpResponse::json(w.str());
}

bool is_image_type(const std::optional<std::string>& content_type) {
  if (!content_type) return false;
  std::string type = content_type->substr(0, content_type->find(';'));
  g_autofree char* lower = g_ascii_strdown(type.c_str(), -1);
  g_autofree char* clean = g_strstrip(g_strdup(lower));
  return std::strcmp(clean, "image/png") == 0 || std::strcmp(clean, "image/jpeg") == 0 || std::strcmp(clean, "image/webp") == 0;
}

void upload_banner(const std::shared_ptr<ChannelsPlugin>& p, const HttpRequest& request, HttpResponder respond) {
  auto caller = require_caller(*p, request);
  if (!caller) return respond(failure(caller.error()));
  if (static_cast<int64_t>(request.body.size()) > kMaxBannerBytes)
    return respond(HttpResponse::error(413, "banner_too_large", "the banner may be at most 8 MiB"));
  if (!is_image_type(request.header("content-type")) || !image_type_of(request.body))
    return respond(HttpResponse::error(400, "banner_type_unsupported", "send the banner as a PNG, JPEG or WebP picture"));
  auto* images = p->host.services().get<Images>();
  if (!images) return respond(HttpResponse::error(500, "internal", "the image service is missing"));
  const int64_t user_id = caller->id;
  const int64_t version = p->store.banner_version(user_id) + 1;
  ImageJob job;
  job.bytes = request.body;
  job.outputs = {{kBannerWidth, kBannerHeight, ImageFit::cover, ImageFormat::jpeg, 85}};
  job.owner = "banner:" + std::to_string(user_id);
  images->process(std::move(job), [p, user_id, version, respond](Result<ImageResult> rendered) {
    if (!rendered) return respond(failure(rendered.error()));
    run_in_worker<Status>(
        [dir = banner_dir(p->host.media_dir(), user_id), version, jpeg = std::move(rendered->encoded.at(0))] {
          return store_banner(dir, version, jpeg);
        },
        [p, user_id, version, respond](Status stored) {
          if (!stored) return respond(failure(stored.error()));
          if (auto s = p->store.set_banner_version(user_id, version); !s) return respond(failure(s.error()));
          respond(banner_answer(*p, user_id));
        });
  });
}

HttpResponse remove_banner(const std::shared_ptr<ChannelsPlugin>& p, const HttpRequest& request) {
  auto caller = require_caller(*p, request);
  if (!caller) return failure(caller.error());
  if (auto s = p->store.set_banner_version(caller->id, 0); !s) return failure(s.error());
  run_in_worker([dir = banner_dir(p->host.media_dir(), caller->id)] { remove_banners(dir, 0); }, [] {});
  return banner_answer(*p, caller->id);
}

}  // namespace

std::string banner_url(const ChannelsPlugin& p, int64_t user_id) {
  const int64_t version = p.store.banner_version(user_id);
  if (version <= 0) return "";
  return "/media/banners/" + std::to_string(user_id) + "/" + std::to_string(version) + ".jpg";
}

void add_banner_routes(const std::shared_ptr<ChannelsPlugin>& plugin) {
  Http& http = plugin->host.http();
  http.route_async("POST", "/api/me/channel/banner",
                   [plugin](const HttpRequest& r, HttpResponder respond) { upload_banner(plugin, r, std::move(respond)); });
  http.route("DELETE", "/api/me/channel/banner", [plugin](const HttpRequest& r) { return remove_banner(plugin, r); });
  plugin->host.events().subscribe(kEventUserDeleted, [plugin](const Event& e) {
    const int64_t id = g_ascii_strtoll(e.get("id").c_str(), nullptr, 10);
    if (id <= 0 || plugin->store.banner_version(id) == 0) return;
    if (auto s = plugin->store.set_banner_version(id, 0); !s) g_warning("channels: %s", s.error().message.c_str());
    run_in_worker([dir = banner_dir(plugin->host.media_dir(), id)] { remove_banners(dir, 0); }, [] {});
  });
}

}  // namespace kek::channels
