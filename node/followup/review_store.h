// The review queue: matches whose score fell between two thresholds, kept
// for a person to accept or reject, and the decisions, remembered so that
// the same pair is never asked again (an accepted pair is reported as a
// match, a rejected one is not). SQLite in DIR/review.db.
//
// Format (table `review`, one row per pair): id (random, opaque: "r" and 16
// hex digits), peer, purpose, handle and own_id (each sealed under the
// node's data key, bound to its row and column, crypto::RowPlace), score and
// threshold (millibits), pattern (agreeing key types, bit k = KeyType k),
// keys (their names), found_at, status (0 pending, 1 accepted, 2 rejected),
// official and decided_at. The handle and our external id are the only
// identifying values, and both are sealed; the rest is what `review list`
// shows. Thread-safe.
#ifndef FEDLINK_NODE_FOLLOWUP_REVIEW_STORE_H_
#define FEDLINK_NODE_FOLLOWUP_REVIEW_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "crypto/data_key.h"
#include "node/store/sqlite.h"

namespace fedlink::followup {

enum class ReviewStatus { kPending = 0, kAccepted = 1, kRejected = 2 };
absl::string_view ReviewStatusName(ReviewStatus status);  // pending, accepted, rejected

struct ReviewItem {
  std::string id;  // opaque
  std::string peer;
  std::string purpose;
  std::string handle;    // the peer's opaque handle
  std::string own_id;    // our record's external id
  double score = 0;      // bits
  double threshold = 0;  // bits: the match threshold it fell below
  uint32_t pattern = 0;  // agreeing key types
  std::string keys;      // their names
  absl::Time found_at;
  ReviewStatus status = ReviewStatus::kPending;
  std::string official;  // who decided
  absl::Time decided_at = absl::InfinitePast();
};

class ReviewStore {
 public:
  // `key`: the node's data key (config::OpenedNode::file_key), or null for
  // a node in the clear (then the values are stored as they are).
  static absl::StatusOr<std::unique_ptr<ReviewStore>> Open(const std::string& path,
                                                           const crypto::SealingKey* key);

  // Queues `item` (a new id, pending) unless the pair (peer, purpose,
  // handle, own_id) is already known, pending or decided; returns the item
  // as stored (the known one if so).
  absl::StatusOr<ReviewItem> Offer(ReviewItem item, absl::Time now);
  // The item for a pair, if known.
  absl::StatusOr<std::optional<ReviewItem>> Find(absl::string_view peer, absl::string_view purpose,
                                                 absl::string_view handle,
                                                 absl::string_view own_id);
  // Every item, oldest first; only pending ones if `pending_only`.
  absl::StatusOr<std::vector<ReviewItem>> List(bool pending_only);
  // Decides a pending item: NotFound if no such id, FailedPrecondition if it
  // was decided already. Returns the item as decided.
  absl::StatusOr<ReviewItem> Decide(absl::string_view id, bool accept, absl::string_view official,
                                    absl::Time now);

 private:
  ReviewStore(std::unique_ptr<store::sqlite::Database> db, const crypto::SealingKey* key)
      : db_(std::move(db)), key_(key) {}
  std::string Seal(absl::string_view id, absl::string_view column, absl::string_view text) const;
  absl::StatusOr<std::string> Unseal(absl::string_view id, absl::string_view column,
                                     const std::string& stored) const;
  absl::StatusOr<std::vector<ReviewItem>> ListLocked(bool pending_only)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::unique_ptr<store::sqlite::Database> db_ ABSL_GUARDED_BY(mu_);
  const crypto::SealingKey* key_;
};

}  // namespace fedlink::followup

#endif  // FEDLINK_NODE_FOLLOWUP_REVIEW_STORE_H_
