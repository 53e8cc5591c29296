// View counting: one view per viewer (an account, or an anonymous browser's client id) per item
// per window (30 min), counted once the player has played 30 s. The player says when it starts
// and when it has played long enough; the server checks that the time passed on its own clock
// too, so a script cannot count a view without waiting for it. In memory, bounded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

namespace kek::history {

struct ViewRules {
  int64_t window_ms = 30 * 60 * 1000;
  int64_t after_ms = 30 * 1000;
  // Anonymous views of one item counted from one address per window (a household behind one
  // router has a few browsers; a script inventing client ids has only so many).
  int64_t anonymous_per_address = 10;
};

class ViewCounter {
 public:
  static constexpr size_t kMaxTracked = 200000;
  explicit ViewCounter(ViewRules rules) : rules_(rules) {}

  enum class Verdict { started, waiting, counted, already_counted, address_limit };
  // viewer: "u:<id>" or "c:<client id>"; played_s: what the player says it played.
  Verdict report(const std::string& viewer, const std::string& address, bool anonymous, const std::string& item_key,
                 double played_s, int64_t now_ms);

 private:
  struct Seen {
    int64_t first_ms = 0;    // when this viewer's current view of it began (server clock)
    int64_t counted_ms = 0;  // when its last view was counted (0: not yet)
  };
  void prune(int64_t now_ms);
  ViewRules rules_;
  std::map<std::pair<std::string, std::string>, Seen> seen_;  // (viewer, item)
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> by_address_;  // -> (window start, count)
  int64_t last_prune_ms_ = 0;
};

}  // namespace kek::history
