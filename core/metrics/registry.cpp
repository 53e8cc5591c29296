#define G_LOG_DOMAIN "kek-metrics"
#include "metrics/registry.h"

#include "metrics/text_format.h"

#include <glib.h>

#include <exception>

namespace kek::core::metrics {

void MetricsRegistry::collect(MetricsWriter& writer) const {
  for (const auto& c : collectors_) {
    try {
      c(writer);
    } catch (const std::exception& e) {  // one broken collector never hides the others
      g_warning("a metrics collector failed: %s", e.what());
    }
  }
}

std::string MetricsRegistry::render() const {
  TextWriter w;
  collect(w);
  for (const auto& h : histograms_) h(w);
  return w.text();
}

}  // namespace kek::core::metrics
