// The evaluation budget alone: budget.db and a fake clock; no policy, keys
// or responder.
#include "node/private_match/evaluation_budget.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/private_match/testing_node_dir.h"

namespace fedlink::private_match {
namespace {

using ::testing::HasSubstr;

class EvaluationBudgetTest : public NodeDirTest {
 protected:
  EvaluationBudgetTest()
      : NodeDirTest("budget"),
        // 10:00 UTC, so a few hours do not cross midnight.
        clock_(absl::FromUnixSeconds(20'000 * 86400 + 10 * 3600)) {
    budget_ = Open();
  }

  std::unique_ptr<EvaluationBudget> Open() {
    auto budget = EvaluationBudget::Open(paths_, &clock_);
    EXPECT_TRUE(budget.ok()) << budget.status();
    return budget.ok() ? *std::move(budget) : nullptr;
  }
  uint64_t Used(absl::string_view peer = "ngo", absl::string_view purpose = "victim-dedup") {
    auto used = budget_->UsedToday(peer, purpose);
    EXPECT_TRUE(used.ok()) << used.status();
    return used.value_or(0);
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
            "evaluation budget for ngo / victim-dedup is spent for today (8 of 10 used, 3 asked)");
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
  EXPECT_THAT(over.message(), HasSubstr("(0 of 10 used, 11 asked)"));
}

TEST_F(EvaluationBudgetTest, EachPeerAndPurposeHasItsOwnBudget) {
  ASSERT_TRUE(budget_->Charge("ngo", "victim-dedup", 10, 10).ok());
  EXPECT_EQ(*budget_->Charge("shelter", "victim-dedup", 4, 10), 6u);
  EXPECT_EQ(*budget_->Charge("ngo", "perpetrator-link", 4, 10), 6u);
  EXPECT_EQ(Used("ngo", "victim-dedup"), 10u);
  EXPECT_EQ(Used("shelter", "victim-dedup"), 4u);
  EXPECT_EQ(Used("ngo", "perpetrator-link"), 4u);
}

TEST_F(EvaluationBudgetTest, ANewUtcDayStartsAFreshBudget) {
  ASSERT_TRUE(budget_->Charge("ngo", "victim-dedup", 10, 10).ok());
  clock_.Advance(absl::Hours(13));  // 23:00: the same day
  EXPECT_EQ(budget_->Check("ngo", "victim-dedup", 1, 10).code(),
            absl::StatusCode::kResourceExhausted);
  clock_.Advance(absl::Hours(1));  // 00:00 the next day
  EXPECT_TRUE(budget_->Check("ngo", "victim-dedup", 10, 10).ok());
  EXPECT_EQ(Used(), 0u);
  EXPECT_EQ(*budget_->Charge("ngo", "victim-dedup", 4, 10), 6u);
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
  EXPECT_EQ(*(*db)->SchemaVersion(), 3);
  auto tables = (*db)->Prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
  ASSERT_TRUE(tables.ok());
  std::vector<std::string> names;
  while (*(*tables)->Step()) names.push_back((*tables)->ColumnText(0));
  EXPECT_THAT(names, ::testing::ElementsAre("budget_use"));
}

}  // namespace
}  // namespace fedlink::private_match
