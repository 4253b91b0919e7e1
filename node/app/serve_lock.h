// An exclusive lock on DIR/serve.lock, held while a node serves, so two
// servers never share a node directory (and a stale admin socket can be
// removed safely). Released when destroyed or when the process dies.
#ifndef FEDLINK_NODE_APP_SERVE_LOCK_H_
#define FEDLINK_NODE_APP_SERVE_LOCK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace fedlink::app {

class ServeLock {
 public:
  // FailedPrecondition if another process holds it.
  static absl::StatusOr<std::unique_ptr<ServeLock>> Acquire(const std::string& path);
  ~ServeLock();
  ServeLock(const ServeLock&) = delete;
  ServeLock& operator=(const ServeLock&) = delete;

 private:
  explicit ServeLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_SERVE_LOCK_H_
