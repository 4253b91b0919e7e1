#include "node/federation/call_watchdog.h"

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_interceptor.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace fedlink::federation {

using grpc::experimental::InterceptionHookPoints;

namespace {

// One watched stream.
struct Watched {
  grpc::ServerContextBase* context = nullptr;
  bool reads = false;  // the peer streams messages to us
  absl::Time started;
  absl::Time last_message;
  absl::Time writing_since = absl::InfiniteFuture();  // a write not yet out
};

}  // namespace

struct CallWatchdog::Impl {
  Impl(absl::Duration idle, absl::Duration max_age) : idle(idle), max_age(max_age) {}

  const absl::Duration idle;
  const absl::Duration max_age;
  absl::Mutex mu;
  std::set<Watched*> watched ABSL_GUARDED_BY(mu);
  bool stop ABSL_GUARDED_BY(mu) = false;
  std::atomic<uint64_t> cancelled{0};
  std::thread thread;

  void Watch(Watched* w) {
    absl::MutexLock lock(&mu);
    watched.insert(w);
  }
  void Forget(Watched* w) {
    absl::MutexLock lock(&mu);
    watched.erase(w);
  }

  void Run() {
    const absl::Duration every = std::clamp(idle / 8, absl::Milliseconds(10), absl::Seconds(1));
    absl::MutexLock lock(&mu);
    while (!stop) {
      mu.AwaitWithTimeout(absl::Condition(&stop), every);
      const absl::Time now = absl::Now();
      for (auto it = watched.begin(); it != watched.end();) {
        const Watched& w = **it;
        const bool stalled_write = now - w.writing_since > idle;
        const bool silent =
            w.reads && w.writing_since == absl::InfiniteFuture() && now - w.last_message > idle;
        if (now - w.started > max_age || stalled_write || silent) {
          // Under the lock: the call cannot finish (and its context go)
          // meanwhile, since it unregisters under the same lock first.
          w.context->TryCancel();
          ++cancelled;
          it = watched.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
};

namespace {

class WatchingInterceptor final : public grpc::experimental::Interceptor {
 public:
  WatchingInterceptor(CallWatchdog::Impl* watchdog, grpc::experimental::ServerRpcInfo* info)
      : watchdog_(watchdog) {
    using Type = grpc::experimental::ServerRpcInfo::Type;
    watched_.context = info->server_context();
    watched_.reads = info->type() == Type::CLIENT_STREAMING || info->type() == Type::BIDI_STREAMING;
    watched_.started = watched_.last_message = absl::Now();
    watchdog_->Watch(&watched_);
  }
  ~WatchingInterceptor() override { watchdog_->Forget(&watched_); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    // TryCancel runs the interceptors from the watchdog's thread, which
    // holds the lock: nothing to note, and no lock to take.
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_CANCEL)) {
      methods->Proceed();
      return;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      watchdog_->Forget(&watched_);  // the handler is done: nothing left to wait for
    } else {
      absl::MutexLock lock(&watchdog_->mu);
      // Read here, not before the branch: GCC 12 at -O3 took that earlier
      // local, once assigned into watched_, for a dangling pointer (a false
      // -Wdangling-pointer).
      const absl::Time now = absl::Now();
      if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
        watched_.writing_since = now;
      }
      if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_SEND_MESSAGE)) {
        watched_.writing_since = absl::InfiniteFuture();
        watched_.last_message = now;
      }
      if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
        watched_.last_message = now;
      }
    }
    methods->Proceed();
  }

 private:
  CallWatchdog::Impl* watchdog_;
  Watched watched_;
};

class WatchingFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit WatchingFactory(CallWatchdog::Impl* watchdog) : watchdog_(watchdog) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (info->type() == grpc::experimental::ServerRpcInfo::Type::UNARY) return nullptr;
    return new WatchingInterceptor(watchdog_, info);
  }

 private:
  CallWatchdog::Impl* watchdog_;
};

}  // namespace

CallWatchdog::CallWatchdog(absl::Duration idle, absl::Duration max_age)
    : impl_(std::make_unique<Impl>(idle, max_age)) {
  Impl* impl = impl_.get();
  impl_->thread = std::thread([impl] { impl->Run(); });
}

CallWatchdog::~CallWatchdog() {
  {
    absl::MutexLock lock(&impl_->mu);
    impl_->stop = true;
  }
  impl_->thread.join();
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> CallWatchdog::Interceptor() {
  return std::make_unique<WatchingFactory>(impl_.get());
}

uint64_t CallWatchdog::cancelled() const { return impl_->cancelled; }

}  // namespace fedlink::federation
