// Each misuse signal on logs generated to show it, and on logs generated
// not to (the same traffic without the pattern), so each test can fail.
#include "node/app/audit_signals.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/test_audit_logs.h"

namespace fedlink::app {
namespace {

using testing::At;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Logs;
using ::testing::SizeIs;

// Ten working hours of about 50 evaluations an hour.
Logs SteadyNgo() {
  Logs logs;
  for (int hour = 8; hour < 18; ++hour) logs.Evaluate("ngo", "police", 50, At(0, hour, 10));
  return logs;
}

TEST(AuditSignalsTest, AnHourFarAboveTheRequestersOwnBaselineIsASpike) {
  Logs logs = SteadyNgo();
  logs.Evaluate("ngo", "police", 1500, At(0, 14, 30));
  logs.Evaluate("ngo", "police", 1500, At(0, 14, 40));
  const std::vector<Signal> spikes = EvaluationSpikes(logs.review(), {});
  ASSERT_THAT(spikes, SizeIs(1));
  EXPECT_EQ(spikes[0].kind, kSignalEnumeration);
  EXPECT_EQ(spikes[0].subject, "ngo");
  EXPECT_THAT(spikes[0].sentence, HasSubstr("ngo had 3050 values evaluated at police in the hour "
                                            "from 2026-03-02 14:00 UTC"));
  EXPECT_THAT(spikes[0].sentence, HasSubstr("median of 50"));
  // The responder's three entries of that hour.
  EXPECT_THAT(spikes[0].entries, SizeIs(3));
  for (const EntryRef& r : spikes[0].entries) EXPECT_EQ(r.node, "police");
}

TEST(AuditSignalsTest, SteadyTrafficOrTooLittleHistoryIsNoSpike) {
  EXPECT_THAT(EvaluationSpikes(SteadyNgo().review(), {}), IsEmpty());
  // A big hour, but only two other hours to judge it by.
  Logs logs;
  logs.Evaluate("ngo", "police", 50, At(0, 8)).Evaluate("ngo", "police", 50, At(0, 9));
  logs.Evaluate("ngo", "police", 5000, At(0, 10));
  EXPECT_THAT(EvaluationSpikes(logs.review(), {}), IsEmpty());
  // Another requester's volume is not this one's baseline.
  Logs two = SteadyNgo();
  for (int hour = 8; hour < 18; ++hour) two.Evaluate("shelter", "police", 5000, At(0, hour, 20));
  EXPECT_THAT(EvaluationSpikes(two.review(), {}), IsEmpty());
}

TEST(AuditSignalsTest, ARequesterProbingOneKeyTypeAtATimeStandsOut) {
  Logs logs;
  for (int i = 0; i < 10; ++i) {
    logs.Evaluate("ngo", "police", 24, At(0, 9, i), "name_dob=12 phone=12");
    logs.Evaluate("shelter", "police", 20, At(0, 10, i), "phone=20");  // one type only
  }
  const std::vector<Signal> s = SingleKeyTypeBatches(logs.review(), {});
  ASSERT_THAT(s, SizeIs(1));
  EXPECT_EQ(s[0].kind, kSignalSingleKeyType);
  EXPECT_EQ(s[0].subject, "shelter");
  EXPECT_THAT(s[0].sentence, HasSubstr("shelter sent 100% of its 200 evaluated values in batches "
                                       "of a single key type, against 0%"));
  EXPECT_THAT(s[0].entries, SizeIs(10));
}

TEST(AuditSignalsTest, MixedKeyTypesOrOldEntriesRaiseNoSingleKeySignal) {
  Logs logs;
  for (int i = 0; i < 10; ++i) {
    logs.Evaluate("ngo", "police", 24, At(0, 9, i), "name_dob=12 phone=12");
    logs.Evaluate("shelter", "police", 20, At(0, 10, i), "email=10 phone=10");
  }
  EXPECT_THAT(SingleKeyTypeBatches(logs.review(), {}), IsEmpty());
  // Entries from before key types were logged say nothing either way.
  Logs old;
  for (int i = 0; i < 10; ++i) old.Evaluate("shelter", "police", 20, At(0, 10, i), "");
  EXPECT_THAT(SingleKeyTypeBatches(old.review(), {}), IsEmpty());
}

TEST(AuditSignalsTest, EvaluatedKeyTypesAreReadFromTheResponderDetail) {
  EXPECT_THAT(EvaluatedKeyTypes("budget left 3; table t; key types name_dob=4 phone=2"),
              ElementsAre(std::pair<const std::string, uint64_t>("name_dob", 4),
                          std::pair<const std::string, uint64_t>("phone", 2)));
  EXPECT_THAT(EvaluatedKeyTypes("budget left 3; table t"), IsEmpty());
}

TEST(AuditSignalsTest, ASpentBudgetIsASignalNamingThePeerAndPurpose) {
  Logs logs = SteadyNgo();
  logs.Refused("ngo", "police", At(0, 17, 30),
               "RESOURCE_EXHAUSTED: daily evaluation budget of 1000 spent");
  logs.Refused("ngo", "police", At(0, 17, 31),
               "RESOURCE_EXHAUSTED: daily evaluation budget of 1000 spent");
  const std::vector<Signal> s = BudgetExhaustion(logs.review());
  ASSERT_THAT(s, SizeIs(1));
  EXPECT_EQ(s[0].kind, kSignalBudgetExhausted);
  EXPECT_THAT(s[0].sentence,
              HasSubstr("ngo spent its daily evaluation budget at police for "
                        "purpose victim-dedup (requests that emptied it or were refused for "
                        "it: 2)."));
  EXPECT_THAT(s[0].entries, SizeIs(2));
  // Another refusal is not a spent budget.
  Logs other = SteadyNgo();
  other.Refused("ngo", "police", At(0, 17), "PERMISSION_DENIED: no policy rule");
  EXPECT_THAT(BudgetExhaustion(other.review()), IsEmpty());
}

TEST(AuditSignalsTest, RequestsOutsideDeclaredWorkingHoursAreSignalled) {
  auto hours = ParseWorkingHours("07:00-19:00/mon-fri");
  ASSERT_TRUE(hours.ok()) << hours.status();
  Logs logs = SteadyNgo();  // Monday 08:10 to 17:10: inside
  EXPECT_THAT(OutsideWorkingHours(logs.review(), *hours), IsEmpty());
  logs.Evaluate("ngo", "police", 5, At(0, 23, 15));  // Monday night
  logs.Evaluate("ngo", "police", 5, At(5, 10));      // Saturday morning
  logs.Evaluate("ngo", "police", 5, At(1, 6, 59));   // Tuesday, a minute early
  const std::vector<Signal> s = OutsideWorkingHours(logs.review(), *hours);
  ASSERT_THAT(s, SizeIs(1));
  EXPECT_EQ(s[0].kind, kSignalOutOfHours);
  EXPECT_THAT(s[0].sentence, HasSubstr("ngo made 3 requests outside the declared working hours"));
  EXPECT_THAT(s[0].entries, SizeIs(3));
}

TEST(AuditSignalsTest, WorkingHoursParseAndRefuseNonsense) {
  auto night = ParseWorkingHours("22:00-06:00");
  ASSERT_TRUE(night.ok());
  EXPECT_EQ(night->start_minute, 22 * 60);
  EXPECT_EQ(night->end_minute, 6 * 60);
  EXPECT_THAT(night->weekdays, SizeIs(7));
  auto weekend = ParseWorkingHours("08:00-12:00/sat,sun");
  ASSERT_TRUE(weekend.ok());
  EXPECT_THAT(weekend->weekdays, ElementsAre(0, 6));
  for (const char* bad : {"", "7-19", "07:00", "07:00-25:00", "07:00-07:00", "07:00-19:00/funday",
                          "07:00-19:00/mon-fri-sat"}) {
    EXPECT_FALSE(ParseWorkingHours(bad).ok()) << bad;
  }
}

TEST(AuditSignalsTest, AnExchangeMissingFromThePeersLogIsASignal) {
  Logs logs = SteadyNgo();
  EXPECT_THAT(MissingInPeerLog(logs.review()), IsEmpty());
  logs.OnlyAtRequester("ngo", "police", At(0, 12));
  logs.OnlyAtRequester("ngo", "police", At(0, 11));
  const std::vector<Signal> s = MissingInPeerLog(logs.review());
  ASSERT_THAT(s, SizeIs(1));
  EXPECT_EQ(s[0].subject, "police");
  EXPECT_THAT(s[0].sentence,
              HasSubstr("2 exchanges in the log of ngo are missing from the log of police"));
  ASSERT_THAT(s[0].entries, SizeIs(2));
  // In time order.
  EXPECT_LT(logs.review().entries.at("ngo")[s[0].entries[0].index].time_unix_micros,
            logs.review().entries.at("ngo")[s[0].entries[1].index].time_unix_micros);
}

TEST(AuditSignalsTest, RefusalsInABurstAreSignalledAndSpreadOnesAreNot) {
  Logs spread;
  for (int i = 0; i < 8; ++i) {
    spread.Refused("ngo", "police", At(0, 8 + i), "PERMISSION_DENIED: no policy rule");
  }
  EXPECT_THAT(RefusalBursts(spread.review(), {}), IsEmpty());
  Logs burst = spread;
  for (int i = 0; i < 5; ++i) {
    burst.Refused("ngo", "police", At(0, 16, 2 * i), "PERMISSION_DENIED: no policy rule");
  }
  const std::vector<Signal> s = RefusalBursts(burst.review(), {});
  ASSERT_THAT(s, SizeIs(1));
  EXPECT_EQ(s[0].kind, kSignalRefusalBurst);
  EXPECT_THAT(s[0].sentence, HasSubstr("ngo was refused 5 times within 10m from 2026-03-02 16:00 "
                                       "UTC (13 refusals in all)"));
  EXPECT_THAT(s[0].entries, SizeIs(5));
}

TEST(AuditSignalsTest, UnauthenticatedRefusalsAreCountedByTheirTlsPeer) {
  Logs logs;
  for (int i = 0; i < 6; ++i) logs.Refused("", "police", At(0, 3, i), "UNAUTHENTICATED: x");
  AuditReview review = logs.review();
  for (ExportedEntry& e : review.entries["police"]) e.tls_peer = "sha256:ab12";
  const std::vector<Signal> s = RefusalBursts(review, {});
  ASSERT_THAT(s, SizeIs(1));
  EXPECT_EQ(s[0].subject, "TLS peer sha256:ab12");
}

TEST(AuditSignalsTest, APurposeTheRequestersRoleDoesNotNeedIsSignalled) {
  Logs logs;
  logs.Role("auditor", "auditor").Role("ngo", "ngo").Role("police", "agency");
  logs.Table("auditor", "police", At(0, 9), "audit");
  logs.Table("ngo", "police", At(0, 9), "victim-dedup");
  EXPECT_THAT(PurposesOutsideRole(logs.review(), {}), IsEmpty());
  logs.Table("auditor", "police", At(0, 10), "victim-dedup");  // an auditor matching people
  logs.Table("ngo", "police", At(0, 11), "audit");             // an NGO reading the log
  const std::vector<Signal> s = PurposesOutsideRole(logs.review(), {});
  ASSERT_THAT(s, SizeIs(2));
  EXPECT_EQ(s[0].subject, "auditor");
  EXPECT_THAT(s[0].sentence, HasSubstr("auditor, a member with role auditor, made 1 request for "
                                       "purpose victim-dedup, which its role does not need"));
  EXPECT_EQ(s[1].subject, "ngo");
  // Without roles (no roster), nothing is judged.
  Logs no_roles;
  no_roles.Table("auditor", "police", At(0, 10), "victim-dedup");
  EXPECT_THAT(PurposesOutsideRole(no_roles.review(), {}), IsEmpty());
}

TEST(AuditSignalsTest, QueriesTakeTheRespondersEntryWhenItsLogIsThere) {
  Logs logs;
  logs.Evaluate("ngo", "police", 5, At(0, 9));
  std::vector<Query> q = Queries(logs.review());
  ASSERT_THAT(q, SizeIs(1));
  EXPECT_TRUE(q[0].from_responder);
  EXPECT_EQ(q[0].ref.node, "police");
  AuditReview only_ngo = logs.review();
  only_ngo.entries.erase("police");
  q = Queries(only_ngo);
  ASSERT_THAT(q, SizeIs(1));
  EXPECT_FALSE(q[0].from_responder);
  EXPECT_EQ(q[0].ref.node, "ngo");
}

}  // namespace
}  // namespace fedlink::app
