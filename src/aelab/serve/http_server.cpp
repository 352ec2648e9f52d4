#include "aelab/serve/http_server.h"

#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cctype>
#include <cstring>

#include "aelab/core/error.h"

namespace aelab::serve {
namespace {

MHD_Result collect(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* map = static_cast<std::map<std::string, std::string>*>(cls);
  std::string k = key ? key : "";
  (*map)[k] = value ? value : "";
  return MHD_YES;
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* map = static_cast<std::map<std::string, std::string>*>(cls);
  std::string k = key ? key : "";
  for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  (*map)[k] = value ? value : "";
  return MHD_YES;
}

MHD_Result answer(void* cls, MHD_Connection* connection, const char* url, const char* method,
                  const char*, const char*, size_t* upload_size, void** state) {
  // First call of a request: headers only. Answer on the second, after any body (refused).
  if (*state == nullptr) {
    static int started;
    *state = &started;
    return MHD_YES;
  }
  if (*upload_size != 0) {
    *upload_size = 0;  // a body is read and dropped: this server takes none
    return MHD_YES;
  }
  Request request;
  request.method = method;
  request.path = url;
  MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect, &request.query);
  MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_header, &request.headers);
  Response r = static_cast<Api*>(cls)->handle(request);
  MHD_Response* response = MHD_create_response_from_buffer(
      r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(response, "Content-Type", r.content_type.c_str());
  MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : r.headers)
    MHD_add_response_header(response, name.c_str(), value.c_str());
  MHD_Result result = MHD_queue_response(connection, r.status, response);
  MHD_destroy_response(response);
  return result;
}

}  // namespace

bool have_http_server() { return true; }

HttpServer::HttpServer(Api& api, const ServerOptions& options) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  std::string host = options.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int rc = getaddrinfo(host.c_str(), std::to_string(options.port).c_str(), &hints, &found);
  AELAB_CHECK(rc == 0 && found, "serve: --host ", options.host, ": ", gai_strerror(rc));
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                   MHD_USE_ERROR_LOG;
  if (found->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
  daemon_ = MHD_start_daemon(flags, static_cast<uint16_t>(options.port), nullptr, nullptr, &answer,
                             &api, MHD_OPTION_SOCK_ADDR, found->ai_addr,
                             MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
  freeaddrinfo(found);
  AELAB_CHECK(daemon_ != nullptr, "serve: cannot listen on ", options.host, ":", options.port,
              " (in use? another --port, or --port 0 for any free one)");
  const MHD_DaemonInfo* info =
      MHD_get_daemon_info(static_cast<MHD_Daemon*>(daemon_), MHD_DAEMON_INFO_BIND_PORT);
  port_ = info ? info->port : options.port;
}

HttpServer::~HttpServer() {
  if (daemon_) MHD_stop_daemon(static_cast<MHD_Daemon*>(daemon_));
}

}  // namespace aelab::serve
