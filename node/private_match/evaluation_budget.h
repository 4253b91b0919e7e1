// The evaluation budget: how many OPRF evaluations each peer has been
// charged per purpose and UTC day (DIR/budget.db), against the daily budget
// the policy rule sets. It bounds online guessing: once a peer's budget for
// the day is spent, its evaluations are refused until the next day.
//
// budget.db (SQLite, WAL, synchronous=NORMAL), schema version 3:
//   budget_use(peer TEXT, purpose TEXT, day INTEGER, used INTEGER),
//     PRIMARY KEY (peer, purpose, day); day = unix seconds / 86400.
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
#include "node/common/clock.h"
#include "node/common/node_paths.h"
#include "node/store/sqlite.h"

namespace fedlink::private_match {

// Guarantees: a charge is all or nothing; a charge that would exceed the
// budget is refused (ResourceExhausted) and changes nothing; the day is
// read from the injected clock. Durability: a process crash never forgets a
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

  // Read-only: OK if `n` more evaluations today fit in `daily_budget`,
  // else ResourceExhausted (naming peer, purpose, used, budget and n).
  absl::Status Check(absl::string_view peer, absl::string_view purpose, uint64_t n,
                     uint64_t daily_budget);
  // Charges `n` evaluations to today's use atomically and returns what is
  // left of `daily_budget`; ResourceExhausted and nothing charged if they
  // do not fit.
  absl::StatusOr<uint64_t> Charge(absl::string_view peer, absl::string_view purpose, uint64_t n,
                                  uint64_t daily_budget);
  // Evaluations charged today.
  absl::StatusOr<uint64_t> UsedToday(absl::string_view peer, absl::string_view purpose);

 private:
  EvaluationBudget(std::unique_ptr<store::sqlite::Database> db, common::Clock* clock)
      : clock_(clock), db_(std::move(db)) {}
  int64_t Today() const;
  absl::StatusOr<uint64_t> Used(absl::string_view peer, absl::string_view purpose, int64_t day)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  common::Clock* const clock_;
  absl::Mutex mu_;
  const std::unique_ptr<store::sqlite::Database> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_EVALUATION_BUDGET_H_
