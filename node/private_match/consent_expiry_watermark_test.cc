// The consent-expiry watermark alone, and its move out of budget.db.
#include "node/private_match/consent_expiry_watermark.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/common/whole_file.h"
#include "node/private_match/evaluation_budget.h"
#include "node/private_match/testing_node_dir.h"
#include "node/store/sqlite.h"

namespace fedlink::private_match {
namespace {

using ::testing::HasSubstr;

class ConsentExpiryWatermarkTest : public NodeDirTest {
 protected:
  ConsentExpiryWatermarkTest() : NodeDirTest("watermark") {}

  std::unique_ptr<ConsentExpiryWatermark> Open() {
    auto watermark = ConsentExpiryWatermark::Open(paths_, &clock_);
    EXPECT_TRUE(watermark.ok()) << watermark.status();
    return watermark.ok() ? *std::move(watermark) : nullptr;
  }
  int64_t Now() const { return absl::ToUnixSeconds(clock_.Now()); }

  common::FakeClock clock_;
};

TEST_F(ConsentExpiryWatermarkTest, ANewNodeStartsNowAndPersistsIt) {
  auto watermark = Open();
  ASSERT_NE(watermark, nullptr);
  EXPECT_EQ(watermark->checked_until(), Now());
  EXPECT_EQ(*common::ReadWholeFile(paths_.consent_expiry_checked()), absl::StrCat(Now(), "\n"));
  // Reopened later: where it was left, not the new now.
  const int64_t first = Now();
  clock_.Advance(absl::Hours(5));
  EXPECT_EQ(Open()->checked_until(), first);
}

TEST_F(ConsentExpiryWatermarkTest, AdvanceIsInMemoryUntilSaved) {
  auto watermark = Open();
  ASSERT_NE(watermark, nullptr);
  const int64_t start = watermark->checked_until();
  watermark->Advance(start + 100);
  EXPECT_EQ(watermark->checked_until(), start + 100);
  EXPECT_EQ(Open()->checked_until(), start);
  ASSERT_TRUE(watermark->Save().ok());
  EXPECT_EQ(Open()->checked_until(), start + 100);
}

TEST_F(ConsentExpiryWatermarkTest, NeverMovesBackwards) {
  auto watermark = Open();
  ASSERT_NE(watermark, nullptr);
  const int64_t start = watermark->checked_until();
  watermark->Advance(start - 1000);
  EXPECT_EQ(watermark->checked_until(), start);
}

TEST_F(ConsentExpiryWatermarkTest, ACorruptFileIsDataLoss) {
  for (const char* corrupt : {"", "yesterday\n", "-5\n", "12 13\n"}) {
    std::ofstream(paths_.consent_expiry_checked(), std::ios::trunc) << corrupt;
    auto watermark = ConsentExpiryWatermark::Open(paths_, &clock_);
    EXPECT_EQ(watermark.status().code(), absl::StatusCode::kDataLoss) << corrupt;
    EXPECT_THAT(watermark.status().message(), HasSubstr("consent_expiry.checked"));
  }
}

// budget.db as fedlink wrote it before the watermark had its own file:
// schema 2, the watermark in table consent_expiry.
void WriteOldBudgetDatabase(const common::NodePaths& paths, int64_t checked_until) {
  constexpr store::sqlite::Migration kOldSchema[] = {
      {1, kBudgetUseV1},
      {2, kConsentExpiryV2},
  };
  auto db = store::sqlite::Database::Open(paths.budget_db(), {.create = true});
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Migrate(kOldSchema).ok());
  auto put = (*db)->Prepare("INSERT INTO consent_expiry (one, checked_until) VALUES (1, ?1)");
  ASSERT_TRUE(put.ok());
  (*put)->Bind(1, checked_until);
  ASSERT_TRUE((*put)->Run().ok());
  // Budget spent today, at the test clock's day.
  auto spent = (*db)->Prepare(
      "INSERT INTO budget_use (peer, purpose, day, used) VALUES ('ngo', 'victim-dedup', ?1, 7)");
  ASSERT_TRUE(spent.ok());
  (*spent)->Bind(1, absl::ToUnixSeconds(common::FakeClock().Now()) / 86400);
  ASSERT_TRUE((*spent)->Run().ok());
}

TEST_F(ConsentExpiryWatermarkTest, AnUpgradedNodeKeepsItsWatermarkAndBudget) {
  const int64_t old_watermark = Now() - 3 * 86400;  // the node was down for 3 days
  WriteOldBudgetDatabase(paths_, old_watermark);
  // As Responder::Create opens them: the watermark, then the budget.
  auto watermark = Open();
  ASSERT_NE(watermark, nullptr);
  EXPECT_EQ(watermark->checked_until(), old_watermark);
  auto budget = EvaluationBudget::Open(paths_, &clock_);
  ASSERT_TRUE(budget.ok()) << budget.status();
  EXPECT_EQ(*(*budget)->UsedInLast24Hours("ngo", "victim-dedup"), 7u);
  budget->reset();
  // The old table is gone; the value lives in its own file.
  auto db = store::sqlite::Database::Open(paths_.budget_db(), {});
  ASSERT_TRUE(db.ok());
  auto table = (*db)->Prepare("SELECT 1 FROM sqlite_master WHERE name = 'consent_expiry'");
  ASSERT_TRUE(table.ok());
  EXPECT_FALSE(*(*table)->Step());
  EXPECT_EQ(Open()->checked_until(), old_watermark);
}

TEST_F(ConsentExpiryWatermarkTest, ANewNodesBudgetDatabaseIsNotTakenForAnOldOne) {
  ASSERT_TRUE(EvaluationBudget::Open(paths_, &clock_).ok());
  EXPECT_EQ(Open()->checked_until(), Now());
}

}  // namespace
}  // namespace fedlink::private_match
