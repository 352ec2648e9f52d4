#pragma once
// The HTTP side of `aelab serve`: libmicrohttpd (a C library, so no C++ ABI to clash with
// LibTorch's) moves requests to Api::handle and its responses back. Only built when CMake found
// libmicrohttpd (AELAB_HAVE_HTTP); declared always, so callers compile either way.
#include <atomic>
#include <cstdint>
#include <string>

#include "aelab/serve/api.h"
#include "aelab/serve/loopback.h"

namespace aelab::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";  // an address or a name getaddrinfo resolves
  int port = 6006;                 // 0: any free port (the bound one is returned)
};

class HttpServer {
 public:
  // Binds and starts serving on a thread per connection. Throws aelab::Error naming the host
  // and port when it cannot bind.
  HttpServer(Api& api, const ServerOptions& options);
  ~HttpServer();
  int port() const { return port_; }

 private:
  void* daemon_ = nullptr;
  int port_ = 0;
};

// True when this build has the HTTP server.
bool have_http_server();

}  // namespace aelab::serve
