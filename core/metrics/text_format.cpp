#define G_LOG_DOMAIN "kek-metrics"
#include "metrics/text_format.h"

#include <glib.h>

#include <cmath>
#include <cstdio>

namespace kek::core::metrics {

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string escape_label_value(std::string_view value) {
  // The format escapes only these three; the value must also be UTF-8.
  g_autofree char* valid = g_utf8_make_valid(value.data(), static_cast<gssize>(value.size()));
  std::string out;
  for (const char* p = valid; *p; ++p) {
    if (*p == '\\') out += "\\\\";
    else if (*p == '"') out += "\\\"";
    else if (*p == '\n') out += "\\n";
    else out += *p;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", value);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", value);
  return buf;
}

void TextWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  current_.clear();
  if (!valid_metric_name(name) || (type != "counter" && type != "gauge" && type != "histogram")) {
    g_warning("metric family '%.*s' (%.*s) ignored: not a valid name or type", static_cast<int>(name.size()),
              name.data(), static_cast<int>(type.size()), type.data());
    return;
  }
  if (seen_.count(name)) {
    g_warning("metric family '%.*s' written twice; the second is ignored", static_cast<int>(name.size()), name.data());
    return;
  }
  seen_.emplace(name);
  current_ = name;
  std::string help_text;
  for (char c : help) help_text += c == '\n' ? std::string("\\n") : c == '\\' ? std::string("\\\\") : std::string(1, c);
  out_ += "# HELP " + current_ + " " + help_text + "\n";
  out_ += "# TYPE " + current_ + " " + std::string(type) + "\n";
}

void TextWriter::write_sample(std::string_view suffix, const MetricLabels& labels, const char* extra_label,
                              const std::string& extra_value, double value) {
  out_ += current_;
  out_ += suffix;
  if (!labels.empty() || extra_label) {
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!valid_metric_name(k) || k.find(':') != std::string::npos) continue;
      if (!first) out_ += ',';
      first = false;
      out_ += k + "=\"" + escape_label_value(v) + "\"";
    }
    if (extra_label) {
      if (!first) out_ += ',';
      out_ += std::string(extra_label) + "=\"" + extra_value + "\"";
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += format_value(value);
  out_ += '\n';
}

void TextWriter::sample(const MetricLabels& labels, double value) {
  if (current_.empty()) return;
  write_sample("", labels, nullptr, {}, value);
}

void TextWriter::histogram(const MetricLabels& labels, const Histogram& h) {
  if (current_.empty()) return;
  for (size_t i = 0; i < Histogram::kBuckets; ++i)
    write_sample("_bucket", labels, "le", format_value(kLatencyBounds[i]), static_cast<double>(h.cumulative(i)));
  write_sample("_bucket", labels, "le", "+Inf", static_cast<double>(h.count()));
  write_sample("_sum", labels, nullptr, {}, h.sum());
  write_sample("_count", labels, nullptr, {}, static_cast<double>(h.count()));
}

}  // namespace kek::core::metrics
