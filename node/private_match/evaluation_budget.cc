#include "node/private_match/evaluation_budget.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "node/common/status_macros.h"

namespace fedlink::private_match {
namespace {

constexpr store::sqlite::Migration kBudgetMigrations[] = {
    {1, R"sql(
CREATE TABLE budget_use (
  peer TEXT NOT NULL,
  purpose TEXT NOT NULL,
  day INTEGER NOT NULL,
  used INTEGER NOT NULL,
  PRIMARY KEY (peer, purpose, day)
) WITHOUT ROWID;
)sql"},
    // The consent-expiry watermark, here until schema 3.
    {2, R"sql(
CREATE TABLE consent_expiry (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  checked_until INTEGER NOT NULL
);
)sql"},
    // The watermark moved to DIR/consent_expiry.checked
    // (ConsentExpiryWatermark, which copies it from here first).
    {3, R"sql(
DROP TABLE consent_expiry;
)sql"},
    // A sliding 24-hour window instead of the UTC day (format in
    // evaluation_budget.h). The old rows do not say when in their day they
    // were charged: each counts as charged at the day's last microsecond.
    {4, R"sql(
CREATE TABLE budget_charge (
  peer TEXT NOT NULL,
  purpose TEXT NOT NULL,
  minute INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  used INTEGER NOT NULL,
  PRIMARY KEY (peer, purpose, minute)
) WITHOUT ROWID;
INSERT INTO budget_charge (peer, purpose, minute, last_at, used)
  SELECT peer, purpose, (day + 1) * 1440 - 1, (day + 1) * 86400000000 - 1, used
  FROM budget_use WHERE used > 0;
DROP TABLE budget_use;
)sql"},
};

// Unix microseconds before which a charge no longer counts at `now`.
int64_t WindowStart(absl::Time now) { return absl::ToUnixMicros(now - EvaluationBudget::kWindow); }

absl::Status Exhausted(absl::string_view peer, absl::string_view purpose, uint64_t used,
                       uint64_t budget, uint64_t n) {
  return absl::ResourceExhaustedError(absl::StrCat("evaluation budget for ", peer, " / ", purpose,
                                                   " is spent (", used, " of ", budget,
                                                   " used in the last 24 hours, ", n, " asked)"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<EvaluationBudget>> EvaluationBudget::Open(
    const common::NodePaths& paths, common::Clock* clock) {
  // synchronous=NORMAL (WAL): a power cut may forget the last charges, a
  // process crash never does; a budget is a rate limit, and an fsync per
  // evaluation would dominate a lookup's latency.
  ASSIGN_OR_RETURN(auto db, store::sqlite::Database::Open(
                                paths.budget_db(), {.create = true, .synchronous_full = false}));
  RETURN_IF_ERROR(db->Migrate(kBudgetMigrations));
  clock = clock != nullptr ? clock : common::Clock::Real();
  // Drops what no longer counts, also for peers that have not asked since.
  ASSIGN_OR_RETURN(auto purge, db->Prepare("DELETE FROM budget_charge WHERE last_at <= ?1"));
  purge->Bind(1, WindowStart(clock->Now()));
  RETURN_IF_ERROR(purge->Run());
  return std::unique_ptr<EvaluationBudget>(new EvaluationBudget(std::move(db), clock));
}

absl::StatusOr<uint64_t> EvaluationBudget::Used(absl::string_view peer, absl::string_view purpose,
                                                absl::Time now) {
  ASSIGN_OR_RETURN(auto get, db_->Prepare("SELECT COALESCE(SUM(used), 0) FROM budget_charge "
                                          "WHERE peer = ?1 AND purpose = ?2 AND last_at > ?3"));
  get->Bind(1, peer).Bind(2, purpose).Bind(3, WindowStart(now));
  ASSIGN_OR_RETURN(const bool row, get->Step());
  return row ? static_cast<uint64_t>(get->ColumnInt64(0)) : 0;
}

absl::StatusOr<uint64_t> EvaluationBudget::UsedInLast24Hours(absl::string_view peer,
                                                             absl::string_view purpose) {
  absl::MutexLock lock(&mu_);
  return Used(peer, purpose, clock_->Now());
}

absl::Status EvaluationBudget::Check(absl::string_view peer, absl::string_view purpose, uint64_t n,
                                     uint64_t daily_budget) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const uint64_t used, Used(peer, purpose, clock_->Now()));
  if (used > daily_budget || n > daily_budget - used) {
    return Exhausted(peer, purpose, used, daily_budget, n);
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> EvaluationBudget::Charge(absl::string_view peer, absl::string_view purpose,
                                                  uint64_t n, uint64_t daily_budget) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  ASSIGN_OR_RETURN(const uint64_t used, Used(peer, purpose, now));
  if (used > daily_budget || n > daily_budget - used) {
    return Exhausted(peer, purpose, used, daily_budget, n);
  }
  if (n > 0) {
    ASSIGN_OR_RETURN(auto expire,
                     db_->Prepare("DELETE FROM budget_charge "
                                  "WHERE peer = ?1 AND purpose = ?2 AND last_at <= ?3"));
    expire->Bind(1, peer).Bind(2, purpose).Bind(3, WindowStart(now));
    RETURN_IF_ERROR(expire->Run());
    // MAX: a clock stepped back never shortens how long a charge counts.
    ASSIGN_OR_RETURN(auto put, db_->Prepare("INSERT INTO budget_charge "
                                            "(peer, purpose, minute, last_at, used) "
                                            "VALUES (?1, ?2, ?3, ?4, ?5) "
                                            "ON CONFLICT(peer, purpose, minute) DO UPDATE SET "
                                            "last_at = MAX(last_at, excluded.last_at), "
                                            "used = used + excluded.used"));
    put->Bind(1, peer)
        .Bind(2, purpose)
        .Bind(3, absl::ToUnixSeconds(now) / 60)
        .Bind(4, absl::ToUnixMicros(now))
        .Bind(5, static_cast<int64_t>(n));
    RETURN_IF_ERROR(put->Run());
  }
  RETURN_IF_ERROR(tx->Commit());
  return daily_budget - used - n;
}

}  // namespace fedlink::private_match
