#include "aelab/serve/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "aelab/serve/http_server.h"

namespace aelab::serve {

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) == 1) return (ntohl(a.s_addr) >> 24) == 127;
  std::string v6 = host;
  if (v6.size() > 2 && v6.front() == '[' && v6.back() == ']') v6 = v6.substr(1, v6.size() - 2);
  in6_addr b{};
  if (inet_pton(AF_INET6, v6.c_str(), &b) != 1) return false;
  // ::1, or an IPv4 loopback address written as IPv6 (::ffff:127.0.0.1).
  return IN6_IS_ADDR_LOOPBACK(&b) || (IN6_IS_ADDR_V4MAPPED(&b) && b.s6_addr[12] == 127);
}

std::string host_of_header(const std::string& host_header) {
  if (!host_header.empty() && host_header.front() == '[') {
    const auto close = host_header.find(']');
    return close == std::string::npos ? host_header : host_header.substr(0, close + 1);
  }
  const auto colon = host_header.find(':');
  // One colon: name:port. More: a bare IPv6 address, which a Host header must bracket.
  if (colon != std::string::npos && host_header.find(':', colon + 1) == std::string::npos)
    return host_header.substr(0, colon);
  return host_header;
}

#ifndef AELAB_HAVE_HTTP
bool have_http_server() { return false; }
HttpServer::HttpServer(Api&, const ServerOptions&) {}
HttpServer::~HttpServer() = default;
#endif

}  // namespace aelab::serve
