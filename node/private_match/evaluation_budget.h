// The evaluation budget: how many OPRF evaluations each peer has been
// charged per purpose in the last 24 hours (DIR/budget.db), against the
// daily budget the policy rule sets. It bounds online guessing: in no 24
// hours, wherever they start, does a peer get more than its daily budget
// of evaluations for a purpose. A sliding window, not a calendar day: a
// fixed UTC day let twice the budget through within a minute of midnight,
// and a token bucket (capacity B, refilling at B/24h) would still let up
// to 2B through in 24 hours (B at once, then B more as it refills).
//
// budget.db (SQLite, WAL, synchronous=NORMAL), schema version 4:
//   budget_charge(peer TEXT, purpose TEXT, minute INTEGER, last_at INTEGER,
//                 used INTEGER), PRIMARY KEY (peer, purpose, minute).
//   minute = unix seconds / 60 of the charges summed in the row; last_at =
//   unix microseconds of the latest of them; used = their sum. A row counts
//   while last_at > now - 24h: every charge counts for at least 24 hours
//   (for at most a minute longer when it shares its row with a later one),
//   and a peer and purpose have at most 24 * 60 + 1 live rows however small
//   its batches. Rows that stopped counting are deleted on the next charge
//   of that peer and purpose, and all of them when the budget is opened.
// Schema 3 and before (budget_use(peer, purpose, day, used), day = unix
// seconds / 86400) knew only the UTC day of a charge: migration 4 carries
// each day's use over as charged at the last microsecond of that day, the
// latest it can have been made, so the bound holds across the upgrade too
// (at the cost of keeping the day's use, once, until the end of the next
// UTC day).
// Schema 2 also held the consent-expiry watermark (table consent_expiry);
// schema 3 drops it: it lives in its own file (consent_expiry_watermark.h),
// which takes the old value on first open. So on a node directory written
// by an older fedlink, open the ConsentExpiryWatermark BEFORE this.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_EVALUATION_BUDGET_H_
#define FEDLINK_NODE_PRIVATE_MATCH_EVALUATION_BUDGET_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/common/clock.h"
#include "node/common/node_paths.h"
#include "node/store/sqlite.h"

namespace fedlink::private_match {

// Guarantees: a charge is all or nothing; a charge that would take the
// use of the last 24 hours (kWindow) above the budget is refused
// (ResourceExhausted) and changes nothing; time is read from the injected
// clock, and a clock stepped back counts charges "in the future" until
// 24 hours after them (never fewer). Durability: a process crash never forgets a
// charge, a power cut may forget the last ones (a budget is a rate limit,
// and an fsync per evaluation would dominate a lookup's latency).
//
// Thread-safe (one connection behind a mutex).
//
//   ASSIGN_OR_RETURN(auto budget, EvaluationBudget::Open(paths, clock));
//   RETURN_IF_ERROR(budget->Check("ngo", "victim-dedup", batch.size(), 1000));
//   ... evaluate ...
//   ASSIGN_OR_RETURN(uint64_t left, budget->Charge("ngo", "victim-dedup", batch.size(), 1000));
class EvaluationBudget {
 public:
  // Opens (creating and migrating) DIR/budget.db. `clock` (Clock::Real()
  // if null) must outlive this.
  static absl::StatusOr<std::unique_ptr<EvaluationBudget>> Open(const common::NodePaths& paths,
                                                                common::Clock* clock);
  EvaluationBudget(const EvaluationBudget&) = delete;
  EvaluationBudget& operator=(const EvaluationBudget&) = delete;

  // The sliding window a daily budget applies to.
  static constexpr absl::Duration kWindow = absl::Hours(24);

  // Read-only: OK if `n` more evaluations fit in `daily_budget` next to
  // those charged in the last 24 hours, else ResourceExhausted (naming
  // peer, purpose, used, budget and n).
  absl::Status Check(absl::string_view peer, absl::string_view purpose, uint64_t n,
                     uint64_t daily_budget);
  // Charges `n` evaluations now, atomically, and returns what is left of
  // `daily_budget` in the last 24 hours; ResourceExhausted and nothing
  // charged if they do not fit.
  absl::StatusOr<uint64_t> Charge(absl::string_view peer, absl::string_view purpose, uint64_t n,
                                  uint64_t daily_budget);
  // Evaluations charged in the last 24 hours.
  absl::StatusOr<uint64_t> UsedInLast24Hours(absl::string_view peer, absl::string_view purpose);

 private:
  EvaluationBudget(std::unique_ptr<store::sqlite::Database> db, common::Clock* clock)
      : clock_(clock), db_(std::move(db)) {}
  // Evaluations charged to `peer` and `purpose` that still count at `now`.
  absl::StatusOr<uint64_t> Used(absl::string_view peer, absl::string_view purpose, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  common::Clock* const clock_;
  absl::Mutex mu_;
  const std::unique_ptr<store::sqlite::Database> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_EVALUATION_BUDGET_H_
