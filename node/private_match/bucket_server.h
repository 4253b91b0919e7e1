// The responder's side of bucket lookups (bucket_lookup.h), as plain C++
// (the Match service's GetBuckets only decodes, authenticates and calls
// this): only under a rule with bucket_lookup, one prefix length per table
// (every bucket at least min_bucket_records), charged to the rule's daily
// evaluation budget (one evaluation per prefix, as key type "bucket").
//
// It keeps the last table built for each (peer, purpose) for up to
// kBucketTableMaxAge while its table id stands (a re-keying, a new epoch
// or a policy change voids it at once), brought up to date by a delta
// after that; so a lookup does not rebuild the table. A record added in
// the meantime is in buckets within kBucketTableMaxAge. Tables unused for
// kBucketTableIdle are dropped at the next request of any peer.
//
// Thread-safe.
//
//   BucketServer buckets(responder);
//   ASSIGN_OR_RETURN(Buckets probe, buckets.Serve(peer, purpose, 0, {}));  // prefix length
//   ASSIGN_OR_RETURN(Buckets got, buckets.Serve(peer, purpose, probe.prefix_bits, prefixes));
#ifndef FEDLINK_NODE_PRIVATE_MATCH_BUCKET_SERVER_H_
#define FEDLINK_NODE_PRIVATE_MATCH_BUCKET_SERVER_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/private_match/bucket_lookup.h"
#include "node/private_match/responder.h"

namespace fedlink::private_match {

inline constexpr absl::Duration kBucketTableMaxAge = absl::Minutes(1);
// A table no lookup used for this long is dropped (memory: a whole table
// per peer and purpose); the next lookup builds it again.
inline constexpr absl::Duration kBucketTableIdle = absl::Minutes(10);

class BucketServer {
 public:
  // `responder` must outlive this.
  // `max_answer_bytes`: the most bytes of slots one answer may carry.
  explicit BucketServer(Responder* responder, size_t max_answer_bytes = kMaxBucketAnswerBytes)
      : responder_(responder), max_answer_bytes_(max_answer_bytes) {}
  BucketServer(const BucketServer&) = delete;
  BucketServer& operator=(const BucketServer&) = delete;

  // `prefix_bits` 0 with no `prefixes`: only the table's header and prefix
  // length (not charged). Otherwise `prefix_bits` must be the length served.
  // PermissionDenied if no rule, or a rule without bucket_lookup, covers
  // the peer; FailedPrecondition for a table too small for buckets or
  // another prefix length; ResourceExhausted over the budget,
  // kMaxBucketPrefixes or max_answer_bytes (nothing charged).
  absl::StatusOr<Buckets> Serve(const PeerIdentity& peer, absl::string_view purpose,
                                int prefix_bits, absl::Span<const uint32_t> prefixes);
  // How many (peer, purpose) tables are held now.
  size_t held_tables();

 private:
  struct Held {
    Table table;
    int prefix_bits = 0;
    uint32_t min_records = 0;
    absl::StatusOr<int> chosen = 0;  // ChoosePrefixBits's answer
    BucketIndex index;               // of `table` at the chosen length
    absl::Time built;
    absl::Time used;  // by the last request
  };
  // Drops the tables unused for kBucketTableIdle.
  void DropIdle(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The current table for (peer, purpose), built or brought up to date.
  absl::StatusOr<const Held*> TableOf(const PeerIdentity& peer, absl::string_view purpose,
                                      uint32_t min_records) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Responder* const responder_;
  const size_t max_answer_bytes_;
  absl::Mutex mu_;
  // Held by pointer: the index points into its table.
  absl::flat_hash_map<std::string, std::unique_ptr<Held>> held_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_BUCKET_SERVER_H_
