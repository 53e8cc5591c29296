// Films from the library plugin's catalogue service (kek::Library), looked up when asked: the
// library may load after us, or not at all (then there are no films, and live history still
// works).
#include "films.h"

#include <kek/services.h>
#include <kek/services/library.h>

namespace kek::history {
namespace {

FilmInfo film_of(const LibraryItemInfo& item) {
  return FilmInfo{item.id, item.title, item.poster_url, item.duration_s, item.media_prefix};
}

class CatalogueFilms final : public Films {
 public:
  explicit CatalogueFilms(Services& services) : services_(services) {}

  Result<std::optional<FilmInfo>> find(const std::string& id) override {
    auto* library = services_.get<Library>();
    if (!library) return Error{"there is no film library on this server", 503, "library_unavailable"};
    auto item = library->item(id);
    if (!item) return item.error();
    if (!*item) return std::optional<FilmInfo>{};
    return std::optional<FilmInfo>{film_of(**item)};
  }

  Result<std::vector<FilmInfo>> find_many(const std::vector<std::string>& ids) override {
    std::vector<FilmInfo> out;
    auto* library = services_.get<Library>();
    if (!library || ids.empty()) return out;
    auto items = library->items(ids);
    if (!items) return items.error();
    for (const auto& item : *items) out.push_back(film_of(item));
    return out;
  }

 private:
  Services& services_;
};

}  // namespace

std::unique_ptr<Films> catalogue_films(Services& services) { return std::make_unique<CatalogueFilms>(services); }

}  // namespace kek::history
