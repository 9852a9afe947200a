// Finds whether the client of a request is still connected. The HTTP library does not hand
// the socket to handlers, so the socket is found once by the peer's address and port among
// this process's descriptors, then polled without blocking.
#pragma once

#include <string>

namespace coreinfer::server::http {

class ConnectionProbe {
 public:
  // `remote_ip` and `remote_port` are the peer's, as the library reports them.
  ConnectionProbe(const std::string& remote_ip, int remote_port);
  // False once the peer has closed or reset the connection. True if the socket was not found.
  bool connected() const;

 private:
  int fd_ = -1;
};

}  // namespace coreinfer::server::http
