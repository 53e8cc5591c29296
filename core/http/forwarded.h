// Who a request really comes from when reverse proxies (nginx, a TLS terminator) sit in front:
// X-Forwarded-For and X-Forwarded-Proto are believed only from the addresses listed in
// http.trusted_proxies, so every plugin's HttpRequest::remote is the real client and a
// stranger cannot claim to be someone else by sending the header.
#pragma once

#include <kek/error.h>
#include <kek/http.h>

#include <gio/gio.h>

#include <memory>
#include <string>
#include <vector>

namespace kek::core::http {

class TrustedProxies {
 public:
  // Addresses ("127.0.0.1", "::1") or networks ("10.0.0.0/8", "fd00::/8"); 400 for anything else.
  static Result<TrustedProxies> parse(const std::vector<std::string>& entries);
  bool empty() const { return masks_.empty(); }
  bool contains(const std::string& address) const;

 private:
  std::vector<std::shared_ptr<GInetAddressMask>> masks_;
};

struct Forwarded {
  std::string client;  // the address to treat as the request's remote
  bool secure = false;  // the client reached us over TLS (directly, or per a trusted proxy)
  std::string host;     // X-Forwarded-Host from a trusted proxy, else empty
};

// peer: the address of the connection's other end. headers: lower-cased request headers.
// X-Forwarded-For is read from the right: entries from trusted proxies are skipped, the first
// other one is the client (nginx's real_ip_recursive). Without a trusted peer: the peer.
Forwarded forwarded_client(const std::string& peer, bool over_tls,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           const TrustedProxies& proxies);

}  // namespace kek::core::http
