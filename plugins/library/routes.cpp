#include "routes.h"

#include "ids.h"
#include "poster.h"

#include <kek/services/images.h>
#include <kek/worker.h>

#include <glib/gstdio.h>

namespace kek::library {
namespace {

int parse_int(const std::string& text, int fallback) {
  if (text.empty()) return fallback;
  char* end = nullptr;
  long v = strtol(text.c_str(), &end, 10);
  if (!end || *end) return -1;
  return static_cast<int>(std::clamp<long>(v, -1, 100000));
}

std::string query_value(const HttpRequest& r, const char* key) {
  auto it = r.query.find(key);
  return it == r.query.end() ? "" : it->second;
}

// The item row a caller may see, or the answer: 404 unknown (or unfinished and not theirs), 403
// private and not theirs.
std::variant<DbRow, HttpResponse> visible_row(Catalogue& catalogue, const std::string& id, const Viewer& viewer) {
  if (!is_valid_id(id)) return HttpResponse::error(404, "no such item");
  auto row = catalogue.row(id);
  if (!row) return HttpResponse::from(row.error());
  if (!*row) return HttpResponse::error(404, "no such item");
  if (catalogue.is_owner_or_admin(**row, viewer)) return std::move(**row);
  if (!catalogue.may_watch(**row, viewer))
    return HttpResponse::error(viewer ? 403 : 401, viewer ? "this item is private" : "this item is private: sign in");
  if (!catalogue.may_see(**row, viewer)) return HttpResponse::error(404, "no such item");
  return std::move(**row);
}

std::variant<DbRow, HttpResponse> editable_row(Catalogue& catalogue, const std::string& id, const Viewer& viewer) {
  auto row = visible_row(catalogue, id, viewer);
  if (auto* refusal = std::get_if<HttpResponse>(&row)) return *refusal;
  if (!catalogue.is_owner_or_admin(std::get<DbRow>(row), viewer))
    return HttpResponse::error(403, "only the item's owner or an admin may change it");
  return row;
}

}  // namespace

std::variant<Viewer, HttpResponse> viewer_of(Catalogue& catalogue, const HttpRequest& request) {
  Identity* identity = catalogue.identity();
  if (!identity) return Viewer{};
  auto user = identity->user_of(request);
  if (!user) return HttpResponse::from(user.error());
  return *user;
}

void add_catalogue_routes(std::shared_ptr<RouteDeps> deps) {
  Http& http = deps->catalogue.host().http();
  Catalogue& cat = deps->catalogue;

  http.route("GET", "/api/library/items", [deps, &cat](const HttpRequest& r) {
    auto viewer = viewer_of(cat, r);
    if (auto* refusal = std::get_if<HttpResponse>(&viewer)) return *refusal;
    ListQuery q;
    q.q = query_value(r, "q");
    if (auto s = query_value(r, "sort"); !s.empty()) q.sort = s;
    q.order = query_value(r, "order");
    q.genre = query_value(r, "genre");
    q.status = query_value(r, "status");
    q.owner = query_value(r, "owner");
    q.cursor = query_value(r, "cursor");
    q.limit = parse_int(query_value(r, "limit"), 24);
    if (q.q.size() > 200) return HttpResponse::error(400, "q is longer than 200 bytes");
    auto body = cat.list_json(q, std::get<Viewer>(viewer));
    if (!body) return HttpResponse::from(body.error());
    return HttpResponse::json(*body);
  });

  http.route("GET", "/api/library/items/{id}", [&cat](const HttpRequest& r) {
    auto viewer = viewer_of(cat, r);
    if (auto* refusal = std::get_if<HttpResponse>(&viewer)) return *refusal;
    auto row = visible_row(cat, r.params.at("id"), std::get<Viewer>(viewer));
    if (auto* refusal = std::get_if<HttpResponse>(&row)) return *refusal;
    HttpResponse out = HttpResponse::json(cat.item_json(std::get<DbRow>(row), std::get<Viewer>(viewer)));
    out.headers.emplace_back("Cache-Control", "no-store");
    return out;
  });

  http.route("PATCH", "/api/library/items/{id}", [&cat](const HttpRequest& r) {
    auto viewer = viewer_of(cat, r);
    if (auto* refusal = std::get_if<HttpResponse>(&viewer)) return *refusal;
    const std::string id = r.params.at("id");
    auto row = editable_row(cat, id, std::get<Viewer>(viewer));
    if (auto* refusal = std::get_if<HttpResponse>(&row)) return *refusal;
    auto patch = parse_item_patch(r.body);
    if (!patch) return HttpResponse::from(patch.error());
    if (auto s = cat.update_metadata(id, *patch); !s) return HttpResponse::from(s.error());
    auto fresh = cat.row(id);
    if (!fresh || !*fresh) return HttpResponse::error(404, "no such item");
    return HttpResponse::json(cat.item_json(**fresh, std::get<Viewer>(viewer)));
  });

  http.route_async("DELETE", "/api/library/items/{id}", [&cat](const HttpRequest& r, HttpResponder respond) {
    auto viewer = viewer_of(cat, r);
    if (auto* refusal = std::get_if<HttpResponse>(&viewer)) return respond(*refusal);
    const std::string id = r.params.at("id");
    auto row = editable_row(cat, id, std::get<Viewer>(viewer));
    if (auto* refusal = std::get_if<HttpResponse>(&row)) return respond(*refusal);
    cat.remove(id, [respond](Status s) {
      if (!s) return respond(HttpResponse::from(s.error()));
      HttpResponse gone;
      gone.status = 204;
      gone.content_type.clear();
      respond(gone);
    });
  });

  // The job queue's controls.
  for (const char* action : {"retry", "cancel"}) {
    http.route("POST", std::string("/api/library/items/{id}/") + action, [deps, &cat, action](const HttpRequest& r) {
      auto viewer = viewer_of(cat, r);
      if (auto* refusal = std::get_if<HttpResponse>(&viewer)) return *refusal;
      const std::string id = r.params.at("id");
      auto row = editable_row(cat, id, std::get<Viewer>(viewer));
      if (auto* refusal = std::get_if<HttpResponse>(&row)) return *refusal;
      const bool retry = std::string(action) == "retry";
      // A file that failed its probe has no job: retrying it probes it again.
      auto jobs = cat.host().db().query("SELECT count(*) AS n FROM library_jobs WHERE item_id = ?", {id});
      if (!jobs) return HttpResponse::from(jobs.error());
      if (retry && std::get<DbRow>(row).text("status") == "failed" && jobs->front().integer("n") == 0) {
        (void)cat.set_status(id, "queued", "");
        deps->reprobe(id);
      } else if (auto s = retry ? deps->retry(id) : deps->cancel(id); !s) {
        return HttpResponse::from(s.error());
      }
      auto fresh = cat.row(id);
      if (!fresh || !*fresh) return HttpResponse::error(404, "no such item");
      return HttpResponse::json(cat.item_json(**fresh, std::get<Viewer>(viewer)));
    });
  }

  // The owner's own poster: decoded and written again as a JPEG; the transcode keeps it.
  http.route_async("POST", "/api/library/items/{id}/poster", [&cat](const HttpRequest& r, HttpResponder respond) {
    auto viewer = viewer_of(cat, r);
    if (auto* refusal = std::get_if<HttpResponse>(&viewer)) return respond(*refusal);
    const std::string id = r.params.at("id");
    auto row = editable_row(cat, id, std::get<Viewer>(viewer));
    if (auto* refusal = std::get_if<HttpResponse>(&row)) return respond(*refusal);
    const std::string type = r.header("content-type").value_or("");
    if (type.rfind("image/jpeg", 0) != 0 && type.rfind("image/png", 0) != 0 && type.rfind("image/webp", 0) != 0)
      return respond(HttpResponse::error(415, "a poster is a JPEG, PNG or WebP image (Content-Type image/jpeg, image/png or image/webp)"));
    if (r.body.empty()) return respond(HttpResponse::error(400, "the image is empty"));
    const std::string out = cat.item_dir(id) + "/" + kOwnPosterName;
    const Viewer who = std::get<Viewer>(viewer);
    // Decoded within kek::Images' bounds (4096 px a side read from the header before any frame
    // exists, one picture per user at a time, a deadline), off the main loop; then written.
    auto* images = cat.host().services().get<kek::Images>();
    if (!images) return respond(HttpResponse::error(500, "the image service is missing"));
    kek::ImageJob job;
    job.bytes = r.body;
    job.outputs = {{kPosterMaxSide, kPosterMaxSide, kek::ImageFit::contain, kek::ImageFormat::jpeg, 88}};
    job.owner = who ? "user:" + std::to_string(who->id) : "";
    images->process(std::move(job), [&cat, id, who, out, respond](Result<kek::ImageResult> rendered) {
      if (!rendered) return respond(HttpResponse::from(rendered.error()));
      run_in_worker<Status>([jpeg = std::move(rendered->encoded.at(0)), out] { return write_poster(jpeg, out); },
                            [&cat, id, who, respond](Status s) {
                              if (!s) return respond(HttpResponse::from(s.error()));
                              (void)cat.host().db().exec("UPDATE library_items SET poster = ?, updated_at = ? WHERE id = ?",
                                                         {std::string(kOwnPosterName), unix_now(), id});
                              auto fresh = cat.row(id);
                              if (!fresh || !*fresh) return respond(HttpResponse::error(404, "no such item"));
                              respond(HttpResponse::json(cat.item_json(**fresh, who)));
                            });
    });
  });

  // A subtitle file for the item (SRT or WebVTT); the job runner converts SRT to WebVTT.
  http.route_async("POST", "/api/library/items/{id}/subtitles", [deps, &cat](const HttpRequest& r, HttpResponder respond) {
    auto viewer = viewer_of(cat, r);
    if (auto* refusal = std::get_if<HttpResponse>(&viewer)) return respond(*refusal);
    const std::string id = r.params.at("id");
    auto row = editable_row(cat, id, std::get<Viewer>(viewer));
    if (auto* refusal = std::get_if<HttpResponse>(&row)) return respond(*refusal);
    std::string body = r.body;
    if (body.rfind("\xEF\xBB\xBF", 0) == 0) body.erase(0, 3);
    const bool vtt = body.rfind("WEBVTT", 0) == 0;
    const bool srt = !vtt && body.find("-->") != std::string::npos;
    if (!vtt && !srt) return respond(HttpResponse::error(400, "the body is neither SRT nor WebVTT subtitles"));
    if (!g_utf8_validate(body.data(), static_cast<gssize>(body.size()), nullptr))
      return respond(HttpResponse::error(400, "subtitles must be UTF-8 text"));
    std::string lang = query_value(r, "lang");
    std::string label = query_value(r, "label");
    if (lang.size() > 16 || label.size() > 100) return respond(HttpResponse::error(400, "lang or label is too long"));
    for (char c : lang)
      if (!g_ascii_isalnum(c) && c != '-') return respond(HttpResponse::error(400, "lang must be a language code like en or pt-BR"));
    if (label.empty()) label = lang.empty() ? "Subtitles" : lang;
    Database& db = cat.host().db();
    auto t = db.exec("INSERT INTO library_tracks (item_id, kind, language, label, codec, source) VALUES (?, 'subtitle', ?, ?, ?, 'upload')",
                     {id, lang, label, std::string(vtt ? "webvtt" : "subrip")});
    if (!t) return respond(HttpResponse::from(t.error()));
    const int64_t track = t->last_insert_id;
    const std::string relative = "subtitles/" + std::to_string(track) + (vtt ? ".vtt" : ".srt");
    const std::string path = cat.item_dir(id) + "/" + relative;
    auto written = std::make_shared<std::string>();
    run_in_worker(
        [path, body, written] {
          g_autofree char* dir = g_path_get_dirname(path.c_str());
          g_mkdir_with_parents(dir, 0755);
          g_autoptr(GError) error = nullptr;
          if (!g_file_set_contents(path.c_str(), body.data(), static_cast<gssize>(body.size()), &error))
            *written = error->message;
        },
        [&cat, id, track, relative, path, vtt, lang, label, written, respond] {
          Database& db = cat.host().db();
          if (!written->empty()) {
            (void)db.exec("DELETE FROM library_tracks WHERE id = ?", {track});
            return respond(HttpResponse::error(500, "storing the subtitles: " + *written));
          }
          (void)db.exec("UPDATE library_tracks SET source_path = ?, output = ? WHERE id = ?",
                        {path, std::string(vtt ? relative : ""), track});
          (void)db.exec("UPDATE library_items SET updated_at = ? WHERE id = ?", {unix_now(), id});
          JsonWriter w;
          w.begin_object().member("id", track).member("language", lang).member("label", label).key("url");
          if (vtt) w.value("/media/vod/" + id + "/" + relative);
          else w.null();
          w.end_object();
          cat.host().events().publish({"library.subtitles", {{"id", id}, {"track", std::to_string(track)}}});
          respond(HttpResponse::json(w.str(), 201));
        });
  });
}

}  // namespace kek::library
