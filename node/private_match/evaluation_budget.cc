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
};

absl::Status Exhausted(absl::string_view peer, absl::string_view purpose, uint64_t used,
                       uint64_t budget, uint64_t n) {
  return absl::ResourceExhaustedError(absl::StrCat("evaluation budget for ", peer, " / ", purpose,
                                                   " is spent for today (", used, " of ", budget,
                                                   " used, ", n, " asked)"));
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
  return std::unique_ptr<EvaluationBudget>(
      new EvaluationBudget(std::move(db), clock != nullptr ? clock : common::Clock::Real()));
}

int64_t EvaluationBudget::Today() const { return absl::ToUnixSeconds(clock_->Now()) / 86400; }

absl::StatusOr<uint64_t> EvaluationBudget::Used(absl::string_view peer, absl::string_view purpose,
                                                int64_t day) {
  ASSIGN_OR_RETURN(auto get, db_->Prepare("SELECT used FROM budget_use "
                                          "WHERE peer = ?1 AND purpose = ?2 AND day = ?3"));
  get->Bind(1, peer).Bind(2, purpose).Bind(3, day);
  ASSIGN_OR_RETURN(const bool row, get->Step());
  return row ? static_cast<uint64_t>(get->ColumnInt64(0)) : 0;
}

absl::StatusOr<uint64_t> EvaluationBudget::UsedToday(absl::string_view peer,
                                                     absl::string_view purpose) {
  absl::MutexLock lock(&mu_);
  return Used(peer, purpose, Today());
}

absl::Status EvaluationBudget::Check(absl::string_view peer, absl::string_view purpose, uint64_t n,
                                     uint64_t daily_budget) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const uint64_t used, Used(peer, purpose, Today()));
  if (used + n > daily_budget) return Exhausted(peer, purpose, used, daily_budget, n);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> EvaluationBudget::Charge(absl::string_view peer, absl::string_view purpose,
                                                  uint64_t n, uint64_t daily_budget) {
  absl::MutexLock lock(&mu_);
  const int64_t day = Today();
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  ASSIGN_OR_RETURN(const uint64_t used, Used(peer, purpose, day));
  if (used + n > daily_budget) return Exhausted(peer, purpose, used, daily_budget, n);
  ASSIGN_OR_RETURN(auto put,
                   db_->Prepare("INSERT INTO budget_use (peer, purpose, day, used) "
                                "VALUES (?1, ?2, ?3, ?4) "
                                "ON CONFLICT(peer, purpose, day) DO UPDATE SET used = ?4"));
  put->Bind(1, peer).Bind(2, purpose).Bind(3, day).Bind(4, static_cast<int64_t>(used + n));
  RETURN_IF_ERROR(put->Run());
  RETURN_IF_ERROR(tx->Commit());
  return daily_budget - used - n;
}

}  // namespace fedlink::private_match
