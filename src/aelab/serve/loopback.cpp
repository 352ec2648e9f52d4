#include <arpa/inet.h>

#include "aelab/serve/http_server.h"

namespace aelab::serve {

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) == 1) return (ntohl(a.s_addr) >> 24) == 127;
  return false;
}

#ifndef AELAB_HAVE_HTTP
bool have_http_server() { return false; }
HttpServer::HttpServer(Api&, const ServerOptions&) {}
HttpServer::~HttpServer() = default;
#endif

}  // namespace aelab::serve
