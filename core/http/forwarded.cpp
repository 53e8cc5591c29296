#include "http/forwarded.h"

#include <glib.h>

#include <algorithm>
#include <optional>

namespace kek::core::http {
namespace {

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

// All values of a header, in order, split at commas.
std::vector<std::string> list_values(const std::vector<std::pair<std::string, std::string>>& headers,
                                     std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (k != name) continue;
    std::string_view rest = v;
    while (true) {
      const size_t comma = rest.find(',');
      if (auto item = trimmed(rest.substr(0, comma)); !item.empty()) out.push_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

// "203.0.113.7", "2001:db8::1", "[2001:db8::1]:4711" or "203.0.113.7:4711": the address alone.
std::optional<std::string> address_of(std::string_view entry) {
  std::string text(entry);
  if (text.starts_with("[")) {
    const size_t close = text.find(']');
    if (close == std::string::npos) return std::nullopt;
    text = text.substr(1, close - 1);
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    text = text.substr(0, text.find(':'));
  }
  g_autoptr(GInetAddress) parsed = g_inet_address_new_from_string(text.c_str());
  if (!parsed) return std::nullopt;
  g_autofree char* canonical = g_inet_address_to_string(parsed);
  return std::string(canonical);
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& entries) {
  TrustedProxies proxies;
  for (const auto& entry : entries) {
    GError* error = nullptr;
    GInetAddressMask* mask = g_inet_address_mask_new_from_string(entry.c_str(), &error);
    if (!mask) {
      Error failure{"'" + entry + "' is not an IP address or network (like 127.0.0.1 or 10.0.0.0/8)", 400};
      g_clear_error(&error);
      return failure;
    }
    proxies.masks_.emplace_back(mask, g_object_unref);
  }
  return proxies;
}

bool TrustedProxies::contains(const std::string& address) const {
  if (masks_.empty()) return false;
  g_autoptr(GInetAddress) parsed = g_inet_address_new_from_string(address.c_str());
  if (!parsed) return false;
  return std::any_of(masks_.begin(), masks_.end(),
                     [&](const auto& mask) { return g_inet_address_mask_matches(mask.get(), parsed); });
}

Forwarded forwarded_client(const std::string& peer, bool over_tls,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           const TrustedProxies& proxies) {
  Forwarded out{peer, over_tls, {}};
  if (!proxies.contains(peer)) return out;
  const auto hops = list_values(headers, "x-forwarded-for");
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    auto address = address_of(*hop);
    if (!address) break;  // garbage: believe no further than the last proxy we trust
    out.client = *address;
    if (!proxies.contains(*address)) break;
  }
  // The scheme and host the client used, as the proxy nearest to it saw them.
  if (auto proto = list_values(headers, "x-forwarded-proto"); !proto.empty())
    out.secure = g_ascii_strcasecmp(proto.front().c_str(), "https") == 0;
  if (auto host = list_values(headers, "x-forwarded-host"); !host.empty()) out.host = host.front();
  return out;
}

}  // namespace kek::core::http
