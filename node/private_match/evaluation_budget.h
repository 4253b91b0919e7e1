// The evaluation budget: how many OPRF evaluations each peer has been
// charged per purpose and key type in the last 24 hours (DIR/budget.db),
// against the daily budgets the policy rule sets. It bounds online
// guessing: in no 24 hours, wherever they start, does a peer get more than
// its daily budget of evaluations for a purpose, nor more than the key type
// budget of evaluations of any one key type (so a probe of one selector
// kind, every phone number of a range, gets only a share of the budget). A sliding window, not a calendar day: a
// fixed UTC day let twice the budget through within a minute of midnight,
// and a token bucket (capacity B, refilling at B/24h) would still let up
// to 2B through in 24 hours (B at once, then B more as it refills).
//
// budget.db (SQLite, WAL, synchronous=NORMAL), schema version 5:
//   budget_charge(peer TEXT, purpose TEXT, key_type TEXT, minute INTEGER,
//                 last_at INTEGER, used INTEGER),
//   PRIMARY KEY (peer, purpose, key_type, minute).
//   key_type = the keyspec name of the evaluations ("" = unknown: charged
//   before schema 5, counted against every key type); minute = unix seconds
//   / 60 of the charges summed in the row; last_at = unix microseconds of
//   the latest of them; used = their sum. A row counts while last_at > now
//   - 24h: every charge counts for at least 24 hours (for at most a minute
//   longer when it shares its row with a later one), and a peer, purpose
//   and key type have at most 24 * 60 + 1 live rows however small its
//   batches. Rows that stopped counting are deleted on the next charge of
//   that peer and purpose, and all of them when the budget is opened.
// Schema 4 (the same without key_type) counted evaluations of any type:
// migration 5 keeps each row as of unknown type, so what was charged before
// the upgrade counts against the total and against every key type's budget
// until it ages out, and both bounds hold across the upgrade.
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
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "node/common/clock.h"
#include "node/common/node_paths.h"
#include "node/store/sqlite.h"

namespace fedlink::private_match {

// Evaluations asked for at once, of one key type (a keyspec name; "" for
// evaluations of unknown type, which count against every key type).
struct EvaluationCount {
  std::string key_type;
  uint64_t n = 0;
};

// A rule's daily budgets: all evaluations, and those of any one key type,
// counted in records: a key type allows per_key_type times
// match::keyspec::KeysPerRecord(type) evaluations.
struct DailyBudget {
  uint64_t total = 0;
  uint64_t per_key_type = 0;
};

// Guarantees: a charge is all or nothing; a charge that would take the
// use of the last 24 hours (kWindow) above the budget, or above the key
// type budget for any of its key types, is refused
// (ResourceExhausted) and changes nothing; time is read from the injected
// clock, and a clock stepped back counts charges "in the future" until
// 24 hours after them (never fewer). Durability: a process crash never forgets a
// charge, a power cut may forget the last ones (a budget is a rate limit,
// and an fsync per evaluation would dominate a lookup's latency).
//
// Thread-safe (one connection behind a mutex).
//
//   ASSIGN_OR_RETURN(auto budget, EvaluationBudget::Open(paths, clock));
//   const EvaluationCount batch[] = {{"phone", 3}, {"name_dob", 3}};
//   RETURN_IF_ERROR(budget->Check("ngo", "victim-dedup", batch, {1000, 250}));
//   ... evaluate ...
//   ASSIGN_OR_RETURN(uint64_t left, budget->Charge("ngo", "victim-dedup", batch, {1000, 250}));

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

  // Read-only: OK if `batch` fits in `budget` next to what was charged in
  // the last 24 hours (in all, and per key type), else ResourceExhausted
  // (naming peer, purpose, the key type if it is its budget that is spent,
  // used, budget and the number asked).
  absl::Status Check(absl::string_view peer, absl::string_view purpose,
                     absl::Span<const EvaluationCount> batch, const DailyBudget& budget);
  // Charges `batch` now, atomically, and returns what is left of the total
  // budget in the last 24 hours; ResourceExhausted and nothing charged if
  // it does not fit.
  absl::StatusOr<uint64_t> Charge(absl::string_view peer, absl::string_view purpose,
                                  absl::Span<const EvaluationCount> batch,
                                  const DailyBudget& budget);
  // The same for `n` evaluations of unknown type against a total budget
  // alone.
  absl::Status Check(absl::string_view peer, absl::string_view purpose, uint64_t n,
                     uint64_t daily_budget) {
    return Check(peer, purpose, {{"", n}}, {daily_budget, daily_budget});
  }
  absl::StatusOr<uint64_t> Charge(absl::string_view peer, absl::string_view purpose, uint64_t n,
                                  uint64_t daily_budget) {
    return Charge(peer, purpose, {{"", n}}, {daily_budget, daily_budget});
  }
  // Evaluations charged in the last 24 hours: in all, or those that count
  // against `key_type`'s budget (its own and those of unknown type).
  absl::StatusOr<uint64_t> UsedInLast24Hours(absl::string_view peer, absl::string_view purpose);
  absl::StatusOr<uint64_t> UsedInLast24Hours(absl::string_view peer, absl::string_view purpose,
                                             absl::string_view key_type);

 private:
  EvaluationBudget(std::unique_ptr<store::sqlite::Database> db, common::Clock* clock)
      : clock_(clock), db_(std::move(db)) {}
  // Evaluations charged to `peer` and `purpose` that still count at `now`,
  // per key type.
  absl::StatusOr<absl::flat_hash_map<std::string, uint64_t>> Used(absl::string_view peer,
                                                                  absl::string_view purpose,
                                                                  absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  common::Clock* const clock_;
  absl::Mutex mu_;
  const std::unique_ptr<store::sqlite::Database> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_EVALUATION_BUDGET_H_
