#pragma once
// Which hosts are this machine: what `aelab serve` binds to without a token, and the Host header
// a page served there must carry (api.h: without a token, a request naming another host is 403,
// so a web page whose name is made to resolve to 127.0.0.1, DNS rebinding, cannot read the API).
#include <string>

namespace aelab::serve {

// True for 127.0.0.0/8, ::1 (bracketed or not), ::ffff:127.x.y.z and "localhost".
bool is_loopback_host(const std::string& host);

// The host part of a Host header: "localhost:6006" -> "localhost", "[::1]:6006" -> "[::1]".
std::string host_of_header(const std::string& host_header);

}  // namespace aelab::serve
