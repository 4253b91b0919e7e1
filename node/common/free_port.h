// A loopback TCP port that was free a moment ago (for tests and the
// benchmark, which start nodes whose roster must name their ports first).
#ifndef FEDLINK_NODE_COMMON_FREE_PORT_H_
#define FEDLINK_NODE_COMMON_FREE_PORT_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fedlink::common {

inline int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  return ok ? ntohs(addr.sin_port) : 0;
}

}  // namespace fedlink::common

#endif  // FEDLINK_NODE_COMMON_FREE_PORT_H_
