#define G_LOG_DOMAIN "kek-dash"
#include "ll_hold.h"

#include <kek/worker.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <list>
#include <map>
#include <optional>
#include <utility>

namespace kek::dash {
namespace {

constexpr uint64_t kSecondNs = 1'000'000'000;
constexpr int64_t kWholeSegment = std::numeric_limits<int64_t>::max();

std::string canonical(const std::string& path) {
  g_autofree char* c = g_canonicalize_filename(path.c_str(), nullptr);
  return c;
}

std::string dirname_of(const std::string& path) {
  g_autofree char* d = g_path_get_dirname(path.c_str());
  return d;
}

std::optional<uint64_t> parse_number(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// Where a media file sits in its Representation: segment n (1-based, MSN n-1) whole, or part p
// of it. Ordered as written.
struct Pos {
  uint64_t n = 0;
  int64_t p = kWholeSegment;
  auto operator<=>(const Pos&) const = default;
};

// "<run>-<n>.<p>.m4s" (a part) or "<run>-<n>.m4s" (a segment): the run prefix and where it is.
std::optional<std::pair<std::string, Pos>> parse_media_name(const std::string& path) {
  g_autofree char* base = g_path_get_basename(path.c_str());
  std::string name = base;
  if (!name.ends_with(".m4s")) return std::nullopt;
  name.resize(name.size() - 4);
  const size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0) return std::nullopt;
  const std::string rest = name.substr(dash + 1);
  Pos pos;
  const size_t dot = rest.find('.');
  auto n = parse_number(rest.substr(0, dot));
  if (!n) return std::nullopt;
  pos.n = *n;
  if (dot != std::string::npos) {
    auto p = parse_number(rest.substr(dot + 1));
    if (!p) return std::nullopt;
    pos.p = static_cast<int64_t>(*p);
  }
  return std::pair{name.substr(0, dash), pos};
}

// A timer on one main context, removed when destroyed.
class Timer {
 public:
  Timer() = default;
  Timer(GMainContext* context, uint64_t after_ns, std::function<void()> fn) : source_(g_timeout_source_new(
      static_cast<guint>(std::min<uint64_t>(after_ns / 1'000'000, G_MAXUINT)))) {
    set_callback_once(source_, std::move(fn));
    g_source_attach(source_, context);
  }
  Timer(Timer&& o) noexcept : source_(std::exchange(o.source_, nullptr)) {}
  Timer& operator=(Timer&& o) noexcept {
    std::swap(source_, o.source_);
    return *this;
  }
  ~Timer() {
    if (!source_) return;
    g_source_destroy(source_);
    g_source_unref(source_);
  }

 private:
  GSource* source_ = nullptr;
};

struct Held {
  uint64_t id = 0;
  std::string remote;
  MediaRelease release;
  Timer timer;
  // a playlist request
  uint64_t msn = 0;
  std::optional<uint64_t> part;
  // a part request
  std::string file;
  Pos pos;
};

// Lets one go: its timer removed first, then the answer (nullopt: the file as it is now).
void let_go(Held held, std::optional<HttpResponse> answer) {
  MediaRelease release = std::move(held.release);
  { Held gone = std::move(held); }
  release(std::move(answer));
}

size_t held_for(const std::list<Held>& list, const std::string& remote) {
  return static_cast<size_t>(std::count_if(list.begin(), list.end(), [&](const Held& h) { return h.remote == remote; }));
}

HttpResponse refuse(int status, const std::string& message) {
  HttpResponse r = HttpResponse::error(status, message);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

struct LlHold::Core : std::enable_shared_from_this<LlHold::Core> {
  struct Playlist {
    LlPlaylistState state;
    std::string dir;
    std::map<uint64_t, int64_t> last_part;  // MSN -> the last part index seen in it (recent ones)
    std::list<Held> held;
  };
  // A folder of parts beside LL playlists: what was written last, the part requests waiting.
  struct Folder {
    std::string prefix;
    std::optional<Pos> newest;
    uint64_t target_ns = 0;
    size_t playlists = 0;  // live LL playlists in it
    std::list<Held> held;
  };

  std::string media_dir;
  LlHoldLimits limits;
  GMainContext* context = nullptr;
  std::map<std::string, Playlist> playlists;
  std::map<std::string, Folder> folders;
  uint64_t next_id = 1;

  ~Core() {
    // Timers go with the entries; the held requests are dropped (the host answers them).
    playlists.clear();
    folders.clear();
    if (context) g_main_context_unref(context);
  }

  // Three target durations (6 s when the playlist did not say).
  static uint64_t give_up_after(uint64_t target_ns) { return 3 * (target_ns ? target_ns : 6 * kSecondNs); }

  // ---- the notices, on the main context ----

  void on_playlist(LlPlaylistState state) {
    state.path = canonical(state.path);
    auto [it, fresh] = playlists.try_emplace(state.path);
    Playlist& pl = it->second;
    if (fresh) {
      pl.dir = dirname_of(state.path);
      ++folders[pl.dir].playlists;
    }
    if (state.part >= 0) {
      auto& last = pl.last_part[state.msn];
      last = std::max(last, state.part);
    }
    while (!pl.last_part.empty() && pl.last_part.begin()->first + 8 < state.msn) pl.last_part.erase(pl.last_part.begin());
    pl.state = state;
    folders[pl.dir].target_ns = state.target_ns;
    for (auto h = pl.held.begin(); h != pl.held.end();) {
      if (state.ended || satisfied(pl, h->msn, h->part)) {
        Held done = std::move(*h);
        h = pl.held.erase(h);
        let_go(std::move(done), std::nullopt);
      } else {
        ++h;
      }
    }
    if (!state.ended) return;
    // Over: every later request is the file server's (it answers with the final playlist).
    const std::string dir = pl.dir;
    playlists.erase(it);
    auto f = folders.find(dir);
    if (f != folders.end() && --f->second.playlists == 0) {
      std::list<Held> waiting = std::move(f->second.held);
      folders.erase(f);
      for (auto& h : waiting) let_go(std::move(h), std::nullopt);
    }
  }

  void on_file(const std::string& written) {
    const std::string path = canonical(written);
    auto media = parse_media_name(path);
    if (!media) return;
    Folder& f = folders[dirname_of(path)];
    if (f.prefix != media->first || !f.newest || *f.newest < media->second) {
      f.prefix = media->first;  // a new run starts over
      f.newest = media->second;
    }
    for (auto h = f.held.begin(); h != f.held.end();) {
      // Its file is in place, or something after it is (it will never come: the file server's 404).
      if (h->file == path || h->pos < *f.newest || parse_media_name(h->file)->first != f.prefix) {
        Held done = std::move(*h);
        h = f.held.erase(h);
        let_go(std::move(done), std::nullopt);
      } else {
        ++h;
      }
    }
  }

  // ---- the rules ----

  // Whether the playlist lists segment msn whole, or part `part` of it (past its last part:
  // part 0 of the next one), or anything later.
  static bool satisfied(const Playlist& pl, uint64_t msn, std::optional<uint64_t> part) {
    const auto& s = pl.state;
    const bool whole = msn < s.msn || (msn == s.msn && s.part < 0);
    if (!part) return whole;
    if (msn > s.msn) return false;
    if (!whole) return static_cast<int64_t>(*part) <= s.part;
    auto last = pl.last_part.find(msn);
    if (last == pl.last_part.end() || static_cast<int64_t>(*part) <= last->second) return true;
    return satisfied(pl, msn + 1, 0);
  }

  // Parts per segment: as the last whole segment had them, else as the targets say.
  static uint64_t parts_per_segment(const Playlist& pl) {
    const auto& s = pl.state;
    const uint64_t whole = s.part < 0 ? s.msn : s.msn - 1;
    if (s.part >= 0 && s.msn == 0) return std::max<uint64_t>(1, s.target_ns / std::max<uint64_t>(1, s.part_target_ns));
    if (auto it = pl.last_part.find(whole); it != pl.last_part.end()) return static_cast<uint64_t>(it->second) + 1;
    if (s.part_target_ns == 0) return 1;
    return std::max<uint64_t>(1, (s.target_ns + s.part_target_ns / 2) / s.part_target_ns);
  }

  // RFC 8216bis 6.2.5.2: 3 divided by the part target when that is under a second, else 3.
  static uint64_t advance_part_limit(uint64_t part_target_ns) {
    if (part_target_ns == 0) return 3;
    return part_target_ns < kSecondNs ? (3 * kSecondNs) / part_target_ns : 3;
  }

  bool hold(const HttpRequest& request, MediaRelease& release) {
    // Every media request passes here: what cannot be held costs a few comparisons.
    constexpr std::string_view kMedia = "/media/";
    if (playlists.empty() || !request.path.starts_with(kMedia)) return false;
    const bool playlist = request.path.ends_with(".m3u8");
    if (!playlist && !request.path.ends_with(".m4s")) return false;
    if (playlist && !request.query.contains("_HLS_msn") && !request.query.contains("_HLS_part")) return false;
    const std::string file = canonical(media_dir + "/" + request.path.substr(kMedia.size()));
    return playlist ? hold_playlist(file, request, release) : hold_part(file, request, release);
  }

  bool hold_playlist(const std::string& file, const HttpRequest& request, MediaRelease& release) {
    auto it = playlists.find(file);
    if (it == playlists.end()) return false;  // not LL (or not live): the file server's
    Playlist& pl = it->second;
    auto msn_text = request.query.find("_HLS_msn");
    auto part_text = request.query.find("_HLS_part");
    if (msn_text == request.query.end() && part_text == request.query.end()) return false;
    auto answer = [&](int status, const std::string& message) {
      release(refuse(status, message));
      return true;
    };
    if (msn_text == request.query.end()) return answer(400, "_HLS_part needs _HLS_msn");
    auto msn = parse_number(msn_text->second);
    if (!msn) return answer(400, "_HLS_msn must be a Media Sequence Number");
    std::optional<uint64_t> part;
    if (part_text != request.query.end()) {
      part = parse_number(part_text->second);
      if (!part) return answer(400, "_HLS_part must be a part index");
    }
    const auto& s = pl.state;
    if (*msn > s.msn + 2)
      return answer(400, "_HLS_msn " + std::to_string(*msn) + " is more than two segments past the newest (" +
                             std::to_string(s.msn) + ")");
    if (part) {
      const uint64_t pps = parts_per_segment(pl);
      const uint64_t now = s.msn * pps + (s.part >= 0 ? static_cast<uint64_t>(s.part) : pps - 1);
      const uint64_t asked = *msn * pps + *part;
      if (asked > now + advance_part_limit(s.part_target_ns))
        return answer(400, "_HLS_part " + std::to_string(*part) + " of " + std::to_string(*msn) +
                               " is past the Advance Part Limit");
    }
    if (satisfied(pl, *msn, part)) return false;  // the playlist on disk answers it
    if (pl.held.size() >= limits.per_playlist || held_for(pl.held, request.remote) >= limits.per_client)
      return answer(503, "too many requests waiting for this playlist");
    Held h;
    h.id = next_id++;
    h.remote = request.remote;
    h.release = std::move(release);
    h.msn = *msn;
    h.part = part;
    h.timer = timeout(give_up_after(s.target_ns), [path = file, id = h.id](Core& core) {
      auto pl = core.playlists.find(path);
      if (pl != core.playlists.end()) core.expire(pl->second.held, id, "the playlist did not reach it in time");
    });
    pl.held.push_back(std::move(h));
    return true;
  }

  bool hold_part(const std::string& file, const HttpRequest& request, MediaRelease& release) {
    const std::string dir = dirname_of(file);
    auto it = folders.find(dir);
    if (it == folders.end() || it->second.playlists == 0) return false;
    Folder& f = it->second;
    auto media = parse_media_name(file);
    // Only the part after the newest one written here (the preload hint) or the one after that
    // is worth waiting for; anything else is on disk already or never will be.
    if (!media || media->second.p == kWholeSegment || !f.newest || media->first != f.prefix) return false;
    const Pos asked = media->second;
    if (asked <= *f.newest || asked.n > f.newest->n + 1) return false;
    if (f.held.size() >= limits.per_playlist || held_for(f.held, request.remote) >= limits.per_client) {
      release(refuse(503, "too many requests waiting for parts of this playlist"));
      return true;
    }
    Held h;
    h.id = next_id++;
    h.remote = request.remote;
    h.release = std::move(release);
    h.file = file;
    h.pos = asked;
    h.timer = timeout(give_up_after(f.target_ns), [dir, id = h.id](Core& core) {
      auto f = core.folders.find(dir);
      if (f != core.folders.end()) core.expire(f->second.held, id, "the part was not written in time");
    });
    f.held.push_back(std::move(h));
    return true;
  }

  void expire(std::list<Held>& list, uint64_t id, const std::string& why) {
    auto h = std::find_if(list.begin(), list.end(), [id](const Held& x) { return x.id == id; });
    if (h == list.end()) return;
    Held done = std::move(*h);
    list.erase(h);
    let_go(std::move(done), refuse(503, why));
  }

  Timer timeout(uint64_t after_ns, std::function<void(Core&)> fn) {
    return Timer(context, after_ns, [weak = weak_from_this(), fn = std::move(fn)] {
      if (auto core = weak.lock()) fn(*core);
    });
  }

  // From any thread (the sink's streaming thread) to the main context; dropped if the object
  // is gone by then.
  void post(std::function<void(Core&)> fn) {
    run_on_main([weak = weak_from_this(), fn = std::move(fn)] {
      if (auto core = weak.lock()) fn(*core);
    }, context);
  }

  size_t count() const {
    size_t n = 0;
    for (const auto& [_, pl] : playlists) n += pl.held.size();
    for (const auto& [_, f] : folders) n += f.held.size();
    return n;
  }
};

LlHold::LlHold(std::string media_dir, LlHoldLimits limits) : core_(std::make_shared<Core>()) {
  core_->media_dir = canonical(media_dir);
  core_->limits = limits;
  core_->context = g_main_context_ref_thread_default();
}

LlHold::~LlHold() = default;

void LlHold::playlist_written(const LlPlaylistState& state) {
  core_->post([state](Core& core) { core.on_playlist(state); });
}

void LlHold::file_written(const std::string& path) {
  core_->post([path](Core& core) { core.on_file(path); });
}

bool LlHold::hold(const HttpRequest& request, MediaRelease release) { return core_->hold(request, release); }

size_t LlHold::held() const { return core_->count(); }

}  // namespace kek::dash
