// Ends streaming calls on the peer server that wait on their peer too long,
// so that an idle or stalled stream never pins a server thread (the sync
// gRPC server gives each call a thread for its whole life):
//   - a stream whose write has not gone out for `idle` (the peer does not
//     read) is cancelled;
//   - a client or bidirectional stream (EvaluateStream) that has neither
//     received nor sent a message for `idle` is cancelled (the peer sends
//     nothing; a batch's evaluation takes seconds);
//   - any stream older than `max_age` is cancelled, whatever deadline the
//     client set.
// The peer sees CANCELLED. Unary calls are bounded by the message size
// limits and by the client's deadline, and are not watched.
//
// It watches through a gRPC server interceptor (Interceptors()), so the
// services need no code of their own. One thread per watchdog checks the
// calls every `idle` / 8 (at least every second).
// Thread-safe. Narrow header: grpc types are only declared.
#ifndef FEDLINK_NODE_FEDERATION_CALL_WATCHDOG_H_
#define FEDLINK_NODE_FEDERATION_CALL_WATCHDOG_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"

namespace grpc::experimental {
class ServerInterceptorFactoryInterface;
}  // namespace grpc::experimental

namespace fedlink::federation {

class CallWatchdog {
 public:
  CallWatchdog(absl::Duration idle, absl::Duration max_age);
  ~CallWatchdog();  // joins its thread; the server must be shut down first
  CallWatchdog(const CallWatchdog&) = delete;
  CallWatchdog& operator=(const CallWatchdog&) = delete;

  // The interceptor factory to give the server builder (it refers to this
  // watchdog, which must outlive the server).
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> Interceptor();
  // Streams cancelled so far.
  uint64_t cancelled() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_CALL_WATCHDOG_H_
