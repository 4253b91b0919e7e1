#include "node/private_match/evaluation_budget.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "node/common/status_macros.h"
#include "node/match/keyspec.h"

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
    // Charges per key type (format in evaluation_budget.h). The old rows do
    // not say which: each is kept as of unknown type (''), which counts
    // against every key type's budget until it ages out.
    {5, R"sql(
CREATE TABLE budget_charge_by_type (
  peer TEXT NOT NULL,
  purpose TEXT NOT NULL,
  key_type TEXT NOT NULL,
  minute INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  used INTEGER NOT NULL,
  PRIMARY KEY (peer, purpose, key_type, minute)
) WITHOUT ROWID;
INSERT INTO budget_charge_by_type (peer, purpose, key_type, minute, last_at, used)
  SELECT peer, purpose, '', minute, last_at, used FROM budget_charge;
DROP TABLE budget_charge;
ALTER TABLE budget_charge_by_type RENAME TO budget_charge;
)sql"},
};

// Unix microseconds before which a charge no longer counts at `now`.
int64_t WindowStart(absl::Time now) { return absl::ToUnixMicros(now - EvaluationBudget::kWindow); }

absl::Status Exhausted(absl::string_view peer, absl::string_view purpose,
                       absl::string_view key_type, uint64_t used, uint64_t budget, uint64_t n) {
  return absl::ResourceExhaustedError(
      absl::StrCat("evaluation budget for ", peer, " / ", purpose,
                   key_type.empty() ? "" : absl::StrCat(" / key type ", key_type), " is spent (",
                   used, " of ", budget, " used in the last 24 hours, ", n, " asked)"));
}

// OK if `batch` fits next to `used` (per key type, "" = unknown type).
absl::Status Fits(absl::string_view peer, absl::string_view purpose,
                  const absl::flat_hash_map<std::string, uint64_t>& used,
                  absl::Span<const EvaluationCount> batch, const DailyBudget& budget) {
  uint64_t used_total = 0, asked_total = 0;
  for (const auto& [type, n] : used) used_total += n;
  absl::flat_hash_map<std::string, uint64_t> asked;
  for (const EvaluationCount& c : batch) {
    asked[c.key_type] += c.n;
    asked_total += c.n;
  }
  if (used_total > budget.total || asked_total > budget.total - used_total) {
    return Exhausted(peer, purpose, "", used_total, budget.total, asked_total);
  }
  // What counts against a key type's budget: its own evaluations and those
  // of unknown type, before and now.
  const auto at = [](const absl::flat_hash_map<std::string, uint64_t>& m, absl::string_view k) {
    auto it = m.find(k);
    return it == m.end() ? uint64_t{0} : it->second;
  };
  const uint64_t used_unknown = at(used, ""), asked_unknown = at(asked, "");
  std::vector<std::string> types;
  for (const auto& [type, n] : asked) {
    if (!type.empty() && n > 0) types.push_back(type);
  }
  if (asked_unknown > 0) {
    for (const auto& [type, n] : used) {
      if (!type.empty() && !asked.contains(type)) types.push_back(type);
    }
    types.push_back("");  // the unknown evaluations alone
  }
  std::sort(types.begin(), types.end());  // the same type named first in every error
  for (const std::string& type : types) {
    const uint64_t u = used_unknown + (type.empty() ? 0 : at(used, type));
    const uint64_t n = asked_unknown + (type.empty() ? 0 : at(asked, type));
    // The budget counts records: a type that one record yields several
    // keys of (a name word's variants) gets that many per unit.
    const uint64_t per_record = match::keyspec::KeysPerRecord(type);
    const uint64_t limit = budget.per_key_type > UINT64_MAX / per_record
                               ? UINT64_MAX
                               : budget.per_key_type * per_record;
    if (u > limit || n > limit - u) {
      return Exhausted(peer, purpose, type.empty() ? "(unknown)" : type, u, limit, n);
    }
  }
  return absl::OkStatus();
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

absl::StatusOr<absl::flat_hash_map<std::string, uint64_t>> EvaluationBudget::Used(
    absl::string_view peer, absl::string_view purpose, absl::Time now) {
  ASSIGN_OR_RETURN(auto get, db_->Prepare("SELECT key_type, SUM(used) FROM budget_charge "
                                          "WHERE peer = ?1 AND purpose = ?2 AND last_at > ?3 "
                                          "GROUP BY key_type"));
  get->Bind(1, peer).Bind(2, purpose).Bind(3, WindowStart(now));
  absl::flat_hash_map<std::string, uint64_t> used;
  while (true) {
    ASSIGN_OR_RETURN(const bool row, get->Step());
    if (!row) break;
    used[get->ColumnText(0)] = static_cast<uint64_t>(get->ColumnInt64(1));
  }
  return used;
}

absl::StatusOr<uint64_t> EvaluationBudget::UsedInLast24Hours(absl::string_view peer,
                                                             absl::string_view purpose) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const auto used, Used(peer, purpose, clock_->Now()));
  uint64_t total = 0;
  for (const auto& [type, n] : used) total += n;
  return total;
}

absl::StatusOr<uint64_t> EvaluationBudget::UsedInLast24Hours(absl::string_view peer,
                                                             absl::string_view purpose,
                                                             absl::string_view key_type) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const auto used, Used(peer, purpose, clock_->Now()));
  uint64_t n = 0;
  for (const auto& [type, count] : used) {
    if (type.empty() || type == key_type) n += count;
  }
  return n;
}

absl::Status EvaluationBudget::Check(absl::string_view peer, absl::string_view purpose,
                                     absl::Span<const EvaluationCount> batch,
                                     const DailyBudget& budget) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const auto used, Used(peer, purpose, clock_->Now()));
  return Fits(peer, purpose, used, batch, budget);
}

absl::StatusOr<uint64_t> EvaluationBudget::Charge(absl::string_view peer, absl::string_view purpose,
                                                  absl::Span<const EvaluationCount> batch,
                                                  const DailyBudget& budget) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  ASSIGN_OR_RETURN(const auto used, Used(peer, purpose, now));
  RETURN_IF_ERROR(Fits(peer, purpose, used, batch, budget));
  uint64_t used_total = 0, asked_total = 0;
  for (const auto& [type, n] : used) used_total += n;
  for (const EvaluationCount& c : batch) asked_total += c.n;
  if (asked_total > 0) {
    ASSIGN_OR_RETURN(auto expire,
                     db_->Prepare("DELETE FROM budget_charge "
                                  "WHERE peer = ?1 AND purpose = ?2 AND last_at <= ?3"));
    expire->Bind(1, peer).Bind(2, purpose).Bind(3, WindowStart(now));
    RETURN_IF_ERROR(expire->Run());
    // MAX: a clock stepped back never shortens how long a charge counts.
    ASSIGN_OR_RETURN(auto put, db_->Prepare("INSERT INTO budget_charge "
                                            "(peer, purpose, key_type, minute, last_at, used) "
                                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                                            "ON CONFLICT(peer, purpose, key_type, minute) "
                                            "DO UPDATE SET "
                                            "last_at = MAX(last_at, excluded.last_at), "
                                            "used = used + excluded.used"));
    for (const EvaluationCount& c : batch) {
      if (c.n == 0) continue;
      put->Reset();
      put->Bind(1, peer)
          .Bind(2, purpose)
          .Bind(3, c.key_type)
          .Bind(4, absl::ToUnixSeconds(now) / 60)
          .Bind(5, absl::ToUnixMicros(now))
          .Bind(6, static_cast<int64_t>(c.n));
      RETURN_IF_ERROR(put->Run());
    }
  }
  RETURN_IF_ERROR(tx->Commit());
  return budget.total - used_total - asked_total;
}

}  // namespace fedlink::private_match
