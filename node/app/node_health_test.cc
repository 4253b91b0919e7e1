// The health verdict from what a serving node found: each problem makes it
// NOT_SERVING and says why; a roster close to its expiry only warns.
#include "node/app/node_health.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/federation/roster_problem.h"

namespace fedlink::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

HealthInputs WithRosterExpiringIn(absl::Duration left) {
  HealthInputs in;
  in.now = kNow;
  in.roster = HealthInputs::RosterState{7, kNow + left};
  return in;
}

TEST(NodeHealthTest, AFreshRosterAndAGoodLogAndStoreServeWithoutWarnings) {
  const server::NodeHealth h = AssessHealth(WithRosterExpiringIn(absl::Hours(24 * 30)));
  EXPECT_TRUE(h.serving);
  EXPECT_THAT(h.problems, IsEmpty());
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(NodeHealthTest, WarnsFromSevenDaysBeforeTheRosterExpires) {
  EXPECT_THAT(AssessHealth(WithRosterExpiringIn(kRosterExpiryWarning + absl::Seconds(1))).warnings,
              IsEmpty());
  const server::NodeHealth h = AssessHealth(WithRosterExpiringIn(kRosterExpiryWarning));
  EXPECT_TRUE(h.serving);
  EXPECT_THAT(h.warnings, ElementsAre("roster version 7 expires at 2027-01-22T08:00:00Z (in less "
                                      "than 7 days): install a newer roster"));
  EXPECT_THAT(AssessHealth(WithRosterExpiringIn(absl::Seconds(1))).warnings, ::testing::SizeIs(1));
}

TEST(NodeHealthTest, AnExpiredRosterIsNotServing) {
  HealthInputs in;
  in.now = kNow;
  in.roster = federation::WithRosterProblem(
      absl::FailedPreconditionError("D/roster.bin: roster version 7 expired at T"),
      federation::RosterProblem::kExpired);
  const server::NodeHealth h = AssessHealth(in);
  EXPECT_FALSE(h.serving);
  EXPECT_THAT(
      h.problems,
      ElementsAre(HasSubstr("roster expired: D/roster.bin: roster version 7 expired at T")));
  // A roster held past its expiry is expired too.
  const server::NodeHealth held = AssessHealth(WithRosterExpiringIn(absl::ZeroDuration()));
  EXPECT_FALSE(held.serving);
  EXPECT_THAT(held.problems, ElementsAre(HasSubstr("roster version 7 expired at ")));
}

TEST(NodeHealthTest, AMissingCorruptOrRolledBackRosterIsNotAHealthProblem) {
  for (federation::RosterProblem p :
       {federation::RosterProblem::kMissing, federation::RosterProblem::kCorrupt,
        federation::RosterProblem::kRolledBack}) {
    HealthInputs in;
    in.now = kNow;
    in.roster = federation::WithRosterProblem(absl::DataLossError("x"), p);
    EXPECT_TRUE(AssessHealth(in).serving) << federation::RosterProblemName(p);
  }
}

TEST(NodeHealthTest, ALogThatFailedVerificationIsNotServing) {
  HealthInputs in = WithRosterExpiringIn(absl::Hours(24 * 30));
  in.audit_log = absl::DataLossError("entry 3: root mismatch");
  const server::NodeHealth h = AssessHealth(in);
  EXPECT_FALSE(h.serving);
  EXPECT_THAT(h.problems, ElementsAre("access log failed verification: entry 3: root mismatch"));
}

TEST(NodeHealthTest, AnUnusableStoreIsNotServingAndEveryProblemIsListed) {
  HealthInputs in = WithRosterExpiringIn(absl::Hours(24 * 30));
  in.store = absl::UnavailableError("records.db: disk I/O error");
  in.audit_log = absl::DataLossError("bad");
  const server::NodeHealth h = AssessHealth(in);
  EXPECT_FALSE(h.serving);
  EXPECT_THAT(h.problems, ElementsAre(HasSubstr("access log"),
                                      "record store unusable: records.db: disk I/O error"));
}

}  // namespace
}  // namespace fedlink::app
