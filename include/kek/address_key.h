// Who a per-address limit counts a peer against: an IPv4 address as it is, an IPv6 address by
// its /64 (one host or home network usually holds a whole /64, and can pick any address in
// it, so counting single IPv6 addresses would count nothing). IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d) are the IPv4 host they name; loopback is itself.
#pragma once

#include <gio/gio.h>

#include <array>
#include <cstring>
#include <string>

namespace kek {

inline std::string address_key(GInetAddress* address) {
  if (!address) return "unknown";
  if (g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6 && !g_inet_address_get_is_loopback(address)) {
    const guint8* b = g_inet_address_to_bytes(address);
    static constexpr guint8 kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, kMapped, sizeof kMapped) == 0) return std::to_string(b[12]) + "." + std::to_string(b[13]) + "." +
                                                               std::to_string(b[14]) + "." + std::to_string(b[15]);
    const std::array<guint8, 16> prefix = {b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]};
    g_autoptr(GInetAddress) network = g_inet_address_new_from_bytes(prefix.data(), G_SOCKET_FAMILY_IPV6);
    g_autofree char* text = g_inet_address_to_string(network);
    return std::string(text) + "/64";
  }
  g_autofree char* text = g_inet_address_to_string(address);
  return text;
}

// The same for a textual address ("192.0.2.7", "2001:db8::1"); unparsable text is its own key.
inline std::string address_key(const std::string& address) {
  g_autoptr(GInetAddress) parsed = g_inet_address_new_from_string(address.c_str());
  return parsed ? address_key(parsed) : address;
}

}  // namespace kek
