// Fuzz target: kek.yaml (core/config/config.h) and a pipeline template with its ${variable}
// expansion (core/config/templates.h), any bytes. What an operator writes by hand must give a
// config or an error, never a crash; an expanded value never adds elements to a launch line.
// The input is split at the first NUL: the config (or template) text, then a variable's value.
#include "config/config.h"
#include "config/templates.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const std::size_t cut = all.find('\0');
  const std::string_view text = all.substr(0, cut);
  const std::string value(cut == std::string_view::npos ? std::string_view() : all.substr(cut + 1));
  using namespace kek::core;
  (void)parse_config(text, "fuzz.yaml");
  if (auto t = parse_template(text, "fuzz.yaml"); t && !t->layout) (void)expand_template(*t, {{"stream", value}});
  // The value, expanded into a property (bare or inside the template's quotes), stays that one
  // property: no '!' outside quotes but the template's own.
  for (const char* tmpl : {"fakesrc name=${v} ! fakesink", "fakesrc name=\"x ${v} y\" ! fakesink"}) {
    auto line = expand_text(tmpl, {{"v", value}}, {}, "fuzz");
    if (!line) continue;
    int bangs = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < line->size(); ++i) {
      const char c = (*line)[i];
      if (c == '\\' && quoted) ++i;
      else if (c == '"') quoted = !quoted;
      else if (c == '!' && !quoted) ++bangs;
    }
    if (bangs != 1 || quoted) std::abort();
  }
  return 0;
}
