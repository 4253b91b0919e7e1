// Durable replay protection: nonces of accepted requests are kept in SQLite
// (DIR/federation.db, synchronous=FULL) until their freshness window has
// passed, so a restarted node still refuses a replay.
#ifndef FEDLINK_NODE_FEDERATION_NONCE_STORE_H_
#define FEDLINK_NODE_FEDERATION_NONCE_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/store/sqlite.h"

namespace fedlink::federation {

// Thread-safe.
class NonceStore {
 public:
  static absl::StatusOr<std::unique_ptr<NonceStore>> Open(const std::string& path);

  // Records (sender, nonce) until `keep_until`, durably, before returning.
  // AlreadyExists if it was seen before (a replay). Also forgets nonces
  // whose window ended before `now`.
  absl::Status Remember(absl::string_view sender, absl::string_view nonce, absl::Time keep_until,
                        absl::Time now);

 private:
  explicit NonceStore(std::unique_ptr<store::sqlite::Database> db) : db_(std::move(db)) {}
  absl::Mutex mu_;
  std::unique_ptr<store::sqlite::Database> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_NONCE_STORE_H_
