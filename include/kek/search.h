// Full-text search as a plugin sees it: declare an index of a few text fields per id, keep it up
// to date, query it with ranking. The database layer implements it (SQLite FTS5 today), so the
// plugin's own SQL stays portable.
#pragma once

#include <kek/error.h>

#include <string>
#include <vector>

namespace kek {

struct SearchHit {
  std::string id;
  double score = 0;  // higher is better
};

class SearchIndex {
 public:
  virtual ~SearchIndex() = default;
  // Replaces what is indexed for `id`: one text per field declared at creation, in that order.
  virtual Status put(const std::string& id, const std::vector<std::string>& texts) = 0;
  virtual Status remove(const std::string& id) = 0;
  // Ids whose fields hold every word of `text` (a word also matches as a prefix: "matr" finds
  // "Matrix"; case and accents do not matter), best first. Operators in `text` are plain words.
  virtual Result<std::vector<SearchHit>> search(const std::string& text, int limit) = 0;
};

}  // namespace kek
