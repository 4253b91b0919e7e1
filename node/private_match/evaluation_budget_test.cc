// The evaluation budget alone: budget.db and a fake clock; no policy, keys
// or responder.
#include "node/private_match/evaluation_budget.h"

#include <filesystem>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/match/keyspec.h"
#include "node/private_match/testing_node_dir.h"

namespace fedlink::private_match {
namespace {

using ::testing::HasSubstr;

// The test clock's UTC day (unix seconds / 86400).
constexpr int64_t kDay = 20'000;

class EvaluationBudgetTest : public NodeDirTest {
 protected:
  EvaluationBudgetTest()
      : NodeDirTest("budget"),
        // 10:00 UTC, so a few hours do not cross midnight.
        clock_(absl::FromUnixSeconds(kDay * 86400 + 10 * 3600)) {
    budget_ = Open();
  }

  std::unique_ptr<EvaluationBudget> Open() {
    auto budget = EvaluationBudget::Open(paths_, &clock_);
    EXPECT_TRUE(budget.ok()) << budget.status();
    return budget.ok() ? *std::move(budget) : nullptr;
  }
  uint64_t Used(absl::string_view peer = "ngo", absl::string_view purpose = "victim-dedup") {
    auto used = budget_->UsedInLast24Hours(peer, purpose);
    EXPECT_TRUE(used.ok()) << used.status();
    return used.value_or(0);
  }

  // What is left after charging `batch` to ngo, or -1 if it is refused.
  int64_t Charge(absl::Span<const EvaluationCount> batch, const DailyBudget& budget) {
    auto left = budget_->Charge("ngo", "victim-dedup", batch, budget);
    return left.ok() ? static_cast<int64_t>(*left) : -1;
  }
  uint64_t UsedOf(absl::string_view key_type) {
    auto used = budget_->UsedInLast24Hours("ngo", "victim-dedup", key_type);
    EXPECT_TRUE(used.ok()) << used.status();
    return used.value_or(0);
  }

  int64_t Rows() {
    auto db = store::sqlite::Database::Open(paths_.budget_db(), {});
    EXPECT_TRUE(db.ok()) << db.status();
    if (!db.ok()) return -1;
    auto count = (*db)->Prepare("SELECT COUNT(*) FROM budget_charge");
    EXPECT_TRUE(count.ok() && *(*count)->Step());
    return (*count)->ColumnInt64(0);
  }

  common::FakeClock clock_;
  std::unique_ptr<EvaluationBudget> budget_;
};

TEST_F(EvaluationBudgetTest, ChargesAndTellsWhatIsLeft) {
  ASSERT_NE(budget_, nullptr);
  EXPECT_EQ(Used(), 0u);
  EXPECT_EQ(*budget_->Charge("ngo", "victim-dedup", 3, 10), 7u);
  EXPECT_EQ(*budget_->Charge("ngo", "victim-dedup", 7, 10), 0u);
  EXPECT_EQ(Used(), 10u);
}

TEST_F(EvaluationBudgetTest, ASpentBudgetIsResourceExhaustedAndARefusedBatchCostsNothing) {
  ASSERT_TRUE(budget_->Charge("ngo", "victim-dedup", 8, 10).ok());
  auto refused = budget_->Charge("ngo", "victim-dedup", 3, 10);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.status().message(),
            "evaluation budget for ngo / victim-dedup is spent (8 of 10 used in the last 24 hours, "
            "3 asked)");
  EXPECT_EQ(Used(), 8u);
  // What still fits is charged.
  EXPECT_EQ(*budget_->Charge("ngo", "victim-dedup", 2, 10), 0u);
  EXPECT_EQ(budget_->Charge("ngo", "victim-dedup", 1, 10).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Used(), 10u);
}

TEST_F(EvaluationBudgetTest, CheckIsReadOnly) {
  EXPECT_TRUE(budget_->Check("ngo", "victim-dedup", 10, 10).ok());
  EXPECT_TRUE(budget_->Check("ngo", "victim-dedup", 10, 10).ok());
  EXPECT_EQ(Used(), 0u);
  const absl::Status over = budget_->Check("ngo", "victim-dedup", 11, 10);
  EXPECT_EQ(over.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over.message(), HasSubstr("(0 of 10 used in the last 24 hours, 11 asked)"));
}

TEST_F(EvaluationBudgetTest, EachPeerAndPurposeHasItsOwnBudget) {
  ASSERT_TRUE(budget_->Charge("ngo", "victim-dedup", 10, 10).ok());
  EXPECT_EQ(*budget_->Charge("shelter", "victim-dedup", 4, 10), 6u);
  EXPECT_EQ(*budget_->Charge("ngo", "perpetrator-link", 4, 10), 6u);
  EXPECT_EQ(Used("ngo", "victim-dedup"), 10u);
  EXPECT_EQ(Used("shelter", "victim-dedup"), 4u);
  EXPECT_EQ(Used("ngo", "perpetrator-link"), 4u);
}

// The finding this window fixes: with a fixed UTC day, the whole budget at
// 23:59 and the whole budget again at 00:01 were twice the budget in two
// minutes.
TEST_F(EvaluationBudgetTest, ABudgetSpentBeforeMidnightIsStillSpentAfterIt) {
  clock_.Set(absl::FromUnixSeconds((kDay + 1) * 86400 - 60));  // 23:59 UTC
  ASSERT_EQ(*budget_->Charge("ngo", "victim-dedup", 10, 10), 0u);
  clock_.Advance(absl::Minutes(2));  // 00:01 UTC the next day
  EXPECT_EQ(Used(), 10u);
  EXPECT_EQ(budget_->Check("ngo", "victim-dedup", 1, 10).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(budget_->Charge("ngo", "victim-dedup", 1, 10).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Used(), 10u);
}

TEST_F(EvaluationBudgetTest, TheFullBudgetIsBack24HoursAfterItWasSpent) {
  ASSERT_EQ(*budget_->Charge("ngo", "victim-dedup", 10, 10), 0u);
  clock_.Advance(absl::Hours(24) - absl::Microseconds(1));
  EXPECT_EQ(Used(), 10u);
  EXPECT_EQ(budget_->Check("ngo", "victim-dedup", 1, 10).code(),
            absl::StatusCode::kResourceExhausted);
  clock_.Advance(absl::Microseconds(1));
  EXPECT_EQ(Used(), 0u);
  EXPECT_TRUE(budget_->Check("ngo", "victim-dedup", 10, 10).ok());
  EXPECT_EQ(*budget_->Charge("ngo", "victim-dedup", 10, 10), 0u);
}

TEST_F(EvaluationBudgetTest, EachChargeExpires24HoursAfterItWasMade) {
  ASSERT_EQ(*budget_->Charge("ngo", "victim-dedup", 4, 10), 6u);  // 10:00
  clock_.Advance(absl::Hours(6));                                 // 16:00
  ASSERT_EQ(*budget_->Charge("ngo", "victim-dedup", 6, 10), 0u);
  clock_.Advance(absl::Hours(17));  // 09:00 the next day: both still count
  EXPECT_EQ(Used(), 10u);
  EXPECT_EQ(budget_->Check("ngo", "victim-dedup", 1, 10).code(),
            absl::StatusCode::kResourceExhausted);
  clock_.Advance(absl::Hours(1));  // 10:00: the first 4 are back
  EXPECT_EQ(Used(), 6u);
  EXPECT_EQ(budget_->Check("ngo", "victim-dedup", 5, 10).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(*budget_->Charge("ngo", "victim-dedup", 4, 10), 0u);
  clock_.Advance(absl::Hours(6));  // 16:00: the 6 are back, the 4 of 10:00 not
  EXPECT_EQ(Used(), 4u);
  EXPECT_EQ(*budget_->Charge("ngo", "victim-dedup", 6, 10), 0u);
}

// Charges within one minute share a row, which counts until 24 hours after
// the latest of them: never shorter than each charge's own 24 hours.
TEST_F(EvaluationBudgetTest, ChargesInOneMinuteCountUntil24HoursAfterTheLatest) {
  ASSERT_TRUE(budget_->Charge("ngo", "victim-dedup", 3, 10).ok());  // 10:00:00
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(budget_->Charge("ngo", "victim-dedup", 3, 10).ok());  // 10:00:30
  EXPECT_EQ(Rows(), 1);
  clock_.Advance(absl::Hours(24) - absl::Seconds(30));  // 10:00:00 the next day
  EXPECT_EQ(Used(), 6u);
  clock_.Advance(absl::Seconds(30));
  EXPECT_EQ(Used(), 0u);
}

// A clock stepped back does not shorten how long a charge counts.
TEST_F(EvaluationBudgetTest, AClockSteppedBackKeepsLaterChargesCounting) {
  ASSERT_TRUE(budget_->Charge("ngo", "victim-dedup", 10, 10).ok());
  clock_.Advance(-absl::Hours(1));
  EXPECT_EQ(Used(), 10u);
  EXPECT_EQ(budget_->Check("ngo", "victim-dedup", 1, 10).code(),
            absl::StatusCode::kResourceExhausted);
  clock_.Advance(absl::Hours(24));  // 23 hours after the charge
  EXPECT_EQ(Used(), 10u);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(Used(), 0u);
}

// Property: a greedy peer asking at random moments over five days never
// gets more than the budget in any 24 hours (checked over every window
// ending at an accepted charge, where the use within a window peaks), and
// gets the budget back once nothing of its last 24 hours is left.
TEST_F(EvaluationBudgetTest, NoTwentyFourHoursEverSeeMoreThanTheBudget) {
  constexpr uint64_t kBudget = 50;
  std::mt19937_64 rng(14);
  std::uniform_int_distribution<int64_t> gap_seconds(1, 3 * 3600);
  std::uniform_int_distribution<uint64_t> batch(1, 20);
  std::vector<std::pair<absl::Time, uint64_t>> accepted;
  const absl::Time end = clock_.Now() + absl::Hours(5 * 24);
  while (clock_.Now() < end) {
    const uint64_t n = batch(rng);
    auto left = budget_->Charge("ngo", "victim-dedup", n, kBudget);
    if (left.ok()) {
      accepted.emplace_back(clock_.Now(), n);
    } else {
      ASSERT_EQ(left.status().code(), absl::StatusCode::kResourceExhausted) << left.status();
    }
    clock_.Advance(absl::Seconds(gap_seconds(rng)));
  }
  ASSERT_GT(accepted.size(), 10u);
  for (const auto& [at, n] : accepted) {
    uint64_t in_window = 0;
    for (const auto& [other_at, other_n] : accepted) {
      if (other_at <= at && other_at > at - absl::Hours(24)) in_window += other_n;
    }
    EXPECT_LE(in_window, kBudget) << "window ending at " << at;
  }
  clock_.Set(accepted.back().first + absl::Hours(24));
  EXPECT_EQ(Used(), 0u);
  EXPECT_EQ(*budget_->Charge("ngo", "victim-dedup", kBudget, kBudget), 0u);
}

TEST_F(EvaluationBudgetTest, ChargesThatNoLongerCountAreDeleted) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(budget_->Charge("ngo", "victim-dedup", 1, 10).ok());
    ASSERT_TRUE(budget_->Charge("shelter", "victim-dedup", 1, 10).ok());
    clock_.Advance(absl::Hours(1));
  }
  EXPECT_EQ(Rows(), 10);
  // 10:30 the next day: the charges of 10:00 no longer count.
  clock_.Advance(absl::Hours(19) + absl::Minutes(30));
  ASSERT_TRUE(budget_->Charge("ngo", "victim-dedup", 1, 10).ok());
  EXPECT_EQ(Rows(), 10);  // ngo: one deleted, one added
  clock_.Advance(absl::Hours(30));
  budget_ = Open();  // deletes all that no longer count, for every peer
  ASSERT_NE(budget_, nullptr);
  EXPECT_EQ(Rows(), 0);
}

TEST_F(EvaluationBudgetTest, ChargesSurviveAReopen) {
  ASSERT_TRUE(budget_->Charge("ngo", "victim-dedup", 6, 10).ok());
  budget_.reset();
  budget_ = Open();
  ASSERT_NE(budget_, nullptr);
  EXPECT_EQ(Used(), 6u);
  EXPECT_EQ(*budget_->Charge("ngo", "victim-dedup", 4, 10), 0u);
}

TEST_F(EvaluationBudgetTest, HoldsNothingButTheBudget) {
  budget_.reset();
  auto db = store::sqlite::Database::Open(paths_.budget_db(), {});
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(*(*db)->SchemaVersion(), 5);
  auto tables = (*db)->Prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
  ASSERT_TRUE(tables.ok());
  std::vector<std::string> names;
  while (*(*tables)->Step()) names.push_back((*tables)->ColumnText(0));
  EXPECT_THAT(names, ::testing::ElementsAre("budget_charge"));
}

// budget.db as fedlink wrote it before the sliding window: schema 3, use
// per UTC day.
void WriteSchema3BudgetDatabase(const common::NodePaths& paths,
                                const std::vector<std::pair<int64_t, int64_t>>& day_used) {
  constexpr store::sqlite::Migration kOldSchema[] = {
      {1, kBudgetUseV1},
      {2, kConsentExpiryV2},
      {3, "DROP TABLE consent_expiry;"},
  };
  auto db = store::sqlite::Database::Open(paths.budget_db(), {.create = true});
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Migrate(kOldSchema).ok());
  for (const auto& [day, used] : day_used) {
    auto put = (*db)->Prepare(
        "INSERT INTO budget_use (peer, purpose, day, used) VALUES ('ngo', 'victim-dedup', ?1, ?2)");
    ASSERT_TRUE(put.ok());
    (*put)->Bind(1, day).Bind(2, used);
    ASSERT_TRUE((*put)->Run().ok());
  }
}

// The old schema knew only the day of a charge: each day's use counts as
// charged at the day's last microsecond, the latest it can have been made.
// So what was charged today (and yesterday, which may have been at 23:59)
// carries over, and the bound holds across the upgrade.
TEST_F(EvaluationBudgetTest, MigratesTheDailyScheduleKeepingWhatMayStillCount) {
  budget_.reset();  // and forget the schema 4 file the fixture made
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(paths_.budget_db() + suffix);
  }
  WriteSchema3BudgetDatabase(paths_, {{kDay - 3, 9}, {kDay - 1, 2}, {kDay, 5}});
  budget_ = Open();  // 10:00 on kDay
  ASSERT_NE(budget_, nullptr);
  EXPECT_EQ(Used(), 7u);  // yesterday's 2 and today's 5; not the 9 of three days ago
  EXPECT_EQ(budget_->Check("ngo", "victim-dedup", 4, 10).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(*budget_->Charge("ngo", "victim-dedup", 3, 10), 0u);
  // 00:00 on kDay + 1: yesterday's 2 no longer count.
  clock_.Set(absl::FromUnixSeconds((kDay + 1) * 86400));
  EXPECT_EQ(Used(), 8u);
  // 10:00: the 3 charged after the upgrade no longer count; today's 5 count
  // until the end of kDay + 1.
  clock_.Set(absl::FromUnixSeconds((kDay + 1) * 86400 + 10 * 3600));
  EXPECT_EQ(Used(), 5u);
  clock_.Set(absl::FromUnixSeconds((kDay + 2) * 86400) - absl::Microseconds(2));
  EXPECT_EQ(Used(), 5u);
  clock_.Advance(absl::Microseconds(1));  // 24 hours after kDay's last microsecond
  EXPECT_EQ(Used(), 0u);
  budget_.reset();
  auto db = store::sqlite::Database::Open(paths_.budget_db(), {});
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(*(*db)->SchemaVersion(), 5);
}

// Issue 14, finding 9: a batch of one key type could spend the whole budget.
TEST_F(EvaluationBudgetTest, EachKeyTypeHasItsOwnShareOfTheBudget) {
  const DailyBudget budget{10, 4};
  const EvaluationCount mixed[] = {{"phone", 3}, {"name_dob", 3}};
  EXPECT_EQ(Charge(mixed, budget), 4);
  const EvaluationCount phones[] = {{"phone", 2}};
  EXPECT_EQ(budget_->Check("ngo", "victim-dedup", phones, budget).code(),
            absl::StatusCode::kResourceExhausted);
  auto refused = budget_->Charge("ngo", "victim-dedup", phones, budget);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.status().message(),
            "evaluation budget for ngo / victim-dedup / key type phone is spent (3 of 4 used in "
            "the last 24 hours, 2 asked)");
  const EvaluationCount one_phone[] = {{"phone", 1}};
  EXPECT_EQ(Charge(one_phone, budget), 3);
  // Another type still has its share, within what is left of the total.
  const EvaluationCount emails[] = {{"email", 4}};
  EXPECT_EQ(Charge(emails, budget), -1);  // 7 + 4 > 10
  const EvaluationCount three_emails[] = {{"email", 3}};
  EXPECT_EQ(Charge(three_emails, budget), 0);
  EXPECT_EQ(Used(), 10u);
  EXPECT_EQ(UsedOf("phone"), 4u);
  EXPECT_EQ(UsedOf("email"), 3u);
  // The same type named twice in a batch counts once, in full.
  const EvaluationCount twice[] = {{"plate", 3}, {"plate", 2}};
  EXPECT_THAT(budget_->Check("ngo", "perpetrator-link", twice, budget).message(),
              HasSubstr("key type plate is spent (0 of 4 used in the last 24 hours, 5 asked)"));
  // Each key type's charges count for 24 hours too.
  clock_.Advance(EvaluationBudget::kWindow);
  EXPECT_EQ(Charge(phones, budget), 8);
}

// A key type's budget counts records: a name word's variants, of which one
// record yields up to KeysPerRecord, get that many evaluations per unit, a
// selector one; unknown charges still count against every type.
TEST_F(EvaluationBudgetTest, AKeyTypesBudgetCountsRecordsNotKeys) {
  const uint64_t per_record = match::keyspec::KeysPerRecord("given_variant_date");
  ASSERT_GT(per_record, 1u);
  const DailyBudget budget{1000, 3};
  const EvaluationCount variants[] = {{"given_variant_date", 3 * per_record}};
  EXPECT_TRUE(budget_->Check("ngo", "victim-dedup", variants, budget).ok());
  const EvaluationCount one_more[] = {{"given_variant_date", 3 * per_record + 1}};
  EXPECT_THAT(budget_->Check("ngo", "victim-dedup", one_more, budget).message(),
              HasSubstr(absl::StrCat("key type given_variant_date is spent (0 of ", 3 * per_record,
                                     " used")));
  const EvaluationCount phones[] = {{"phone", 4}};
  EXPECT_THAT(budget_->Check("ngo", "victim-dedup", phones, budget).message(),
              HasSubstr("key type phone is spent (0 of 3 used"));
  const EvaluationCount unknown[] = {{"", 2}};
  EXPECT_GE(Charge(unknown, budget), 0);
  const EvaluationCount two_phones[] = {{"phone", 2}};
  EXPECT_EQ(Charge(two_phones, budget), -1);  // 2 unknown + 2 > 3
  const EvaluationCount rest[] = {{"given_variant_date", 3 * per_record - 2}};
  EXPECT_GE(Charge(rest, budget), 0);
  const EvaluationCount one_variant[] = {{"given_variant_date", 1}};
  EXPECT_EQ(Charge(one_variant, budget), -1);
  EXPECT_EQ(UsedOf("given_variant_date"), 3 * per_record);  // with the unknown ones
}

// budget.db as fedlink wrote it before key types: schema 4, charges of any
// type per minute.
void WriteSchema4BudgetDatabase(const common::NodePaths& paths,
                                const std::vector<std::pair<absl::Time, int64_t>>& charged) {
  constexpr store::sqlite::Migration kOldSchema[] = {
      {1, kBudgetUseV1},
      {2, kConsentExpiryV2},
      {3, "DROP TABLE consent_expiry;"},
      {4, kBudgetChargeV4},
  };
  auto db = store::sqlite::Database::Open(paths.budget_db(), {.create = true});
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Migrate(kOldSchema).ok());
  for (const auto& [at, used] : charged) {
    auto put = (*db)->Prepare(
        "INSERT INTO budget_charge (peer, purpose, minute, last_at, used) "
        "VALUES ('ngo', 'victim-dedup', ?1, ?2, ?3)");
    ASSERT_TRUE(put.ok());
    (*put)->Bind(1, absl::ToUnixSeconds(at) / 60).Bind(2, absl::ToUnixMicros(at)).Bind(3, used);
    ASSERT_TRUE((*put)->Run().ok());
  }
}

// What was charged before the upgrade did not say its key type: it still
// counts against the total, and against every key type's budget (it may all
// have been phone numbers), until 24 hours after it was charged.
TEST_F(EvaluationBudgetTest, MigratesChargesOfUnknownKeyTypeCountingThemAgainstEveryType) {
  budget_.reset();  // and forget the schema 5 file the fixture made
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(paths_.budget_db() + suffix);
  }
  const absl::Time now = clock_.Now();
  WriteSchema4BudgetDatabase(paths_, {{now - absl::Hours(30), 9}, {now - absl::Hours(2), 3}});
  budget_ = Open();
  ASSERT_NE(budget_, nullptr);
  EXPECT_EQ(Used(), 3u);  // the 9 of 30 hours ago no longer count
  EXPECT_EQ(UsedOf("phone"), 3u);
  EXPECT_EQ(UsedOf("name_dob"), 3u);
  const DailyBudget budget{10, 4};
  const EvaluationCount two_phones[] = {{"phone", 2}};
  EXPECT_THAT(budget_->Charge("ngo", "victim-dedup", two_phones, budget).status().message(),
              HasSubstr("key type phone is spent (3 of 4 used"));
  const EvaluationCount mixed[] = {{"phone", 1}, {"name_dob", 1}, {"email", 1}};
  EXPECT_EQ(Charge(mixed, budget), 4);
  // 22 hours on, the old charges age out; the new ones still count.
  clock_.Advance(absl::Hours(22));
  EXPECT_EQ(Used(), 3u);
  EXPECT_EQ(UsedOf("phone"), 1u);
  EXPECT_TRUE(budget_->Check("ngo", "victim-dedup", {{"phone", 3}}, budget).ok());
  budget_.reset();
  auto db = store::sqlite::Database::Open(paths_.budget_db(), {});
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(*(*db)->SchemaVersion(), 5);
}

}  // namespace
}  // namespace fedlink::private_match
