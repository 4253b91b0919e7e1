// Counting, listing, showing (with the sharing history) and deleting the
// node's own records, on real nodes.
#include "node/app/records.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/consent.h"
#include "node/app/followup.h"
#include "node/app/match.h"
#include "node/app/test_app_federation.h"
#include "node/common/whole_file.h"

namespace fedlink::app {
namespace {

using testing::AnaPopescu;
using testing::AppFederation;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MariaIvanova;

record::Person Suspect(const std::string& id) {
  record::Person p;
  p.external_id = id;
  p.role = record::Role::kSuspect;
  p.given_name = "Ivan";
  p.family_name = "Petrov";
  return p;
}

class RecordsTest : public testing::PoliceAndNgoTest {
 protected:
  void SetUp() override {
    fed_.Add("police", {MariaIvanova("P-1"), AnaPopescu("P-2"), Suspect("P-3")});
    fed_.Add("ngo", {MariaIvanova("N-1")});
  }
  // The NGO matches police and asks for contact about its hit.
  void MatchAndAskForContact() {
    fed_.Serve("police");
    NgoAsksPoliceForContact();
  }
  std::string Generation(const std::string& id) {
    auto text = common::ReadWholeFile(fed_.node(id).paths().oprf_generation());
    return text.ok() ? *text : "";
  }
};

TEST_F(RecordsTest, CountsByRole) {
  auto counts = CountRecords(fed_.node("police"));
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->total, 3u);
  EXPECT_EQ(counts->by_role.at(record::Role::kVictim), 2u);
  EXPECT_EQ(counts->by_role.at(record::Role::kSuspect), 1u);
  EXPECT_EQ(counts->by_role.count(record::Role::kWitness), 0u);
}

TEST_F(RecordsTest, ListWritesTheCanonicalHeaderOnceThenEveryRecord) {
  std::vector<std::string> chunks;
  ASSERT_TRUE(ListRecordsCsv(fed_.node("police"), [&](absl::string_view csv) {
                chunks.emplace_back(csv);
              }).ok());
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].rfind("external_id,role,given_name,", 0), 0u);
  EXPECT_THAT(chunks[0], HasSubstr("\nP-1,victim,Maria,Ivanova"));
  EXPECT_EQ(chunks[1].rfind("P-2,victim,", 0), 0u);
  EXPECT_EQ(chunks[2].rfind("P-3,suspect,", 0), 0u);
}

TEST_F(RecordsTest, ListOfANodeWithoutRecordsWritesNothing) {
  AppFederation empty({"shelter"});
  std::string all;
  ASSERT_TRUE(ListRecordsCsv(empty.node("shelter"), [&](absl::string_view csv) {
                absl::StrAppend(&all, csv);
              }).ok());
  EXPECT_EQ(all, "");
}

TEST_F(RecordsTest, ShowOfAnUnknownIdIsNotFoundAndDoesNotRepeatIt) {
  auto details = ShowRecord(fed_.node("police"), "P-404");
  EXPECT_TRUE(absl::IsNotFound(details.status()));
  EXPECT_THAT(details.status().message(), ::testing::Not(HasSubstr("P-404")));
}

TEST_F(RecordsTest, ShowGivesTheSharingHistoryOnBothSides) {
  MatchAndAskForContact();
  auto owner = ShowRecord(fed_.node("police"), "P-1");
  ASSERT_TRUE(owner.ok()) << owner.status();
  EXPECT_EQ(owner->record.given_name, "Maria");
  ASSERT_TRUE(owner->history.status.ok());
  ASSERT_EQ(owner->history.contacts_in.size(), 1u);
  EXPECT_EQ(owner->history.contacts_in[0].peer, "ngo");
  EXPECT_EQ(owner->history.contacts_in[0].purpose, "victim-dedup");
  EXPECT_TRUE(owner->history.hits.empty());
  EXPECT_FALSE(owner->history.empty());

  auto requester = ShowRecord(fed_.node("ngo"), "N-1");
  ASSERT_TRUE(requester.ok()) << requester.status();
  ASSERT_EQ(requester->history.hits.size(), 1u);
  EXPECT_EQ(requester->history.hits[0].peer, "police");
  ASSERT_EQ(requester->history.contacts_out.size(), 1u);
  EXPECT_EQ(requester->history.contacts_out[0].handle, requester->history.hits[0].handle);

  // Nothing about the other victim was shared.
  auto other = ShowRecord(fed_.node("police"), "P-2");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->history.empty());
}

TEST_F(RecordsTest, ShowSaysWithWhomThePolicySharesTheRecordNow) {
  auto victim = ShowRecord(fed_.node("police"), "P-1");
  ASSERT_TRUE(victim.ok()) << victim.status();
  EXPECT_EQ(victim->shared_now.basis, SharedNow::Basis::kPolicy);
  ASSERT_EQ(victim->shared_now.shares.size(), 1u);
  const CurrentShare& share = victim->shared_now.shares[0];
  EXPECT_EQ(share.peer, "ngo");
  EXPECT_EQ(share.purpose, "victim-dedup");
  EXPECT_EQ(share.rule, "ngos-dedup-victims");
  EXPECT_EQ(share.payload, policy::Payload::kHandleAndRole);

  auto suspect = ShowRecord(fed_.node("police"), "P-3");
  ASSERT_TRUE(suspect.ok());
  EXPECT_EQ(suspect->shared_now.basis, SharedNow::Basis::kPolicy);
  EXPECT_TRUE(suspect->shared_now.shares.empty());
}

TEST_F(RecordsTest, ShowWithoutPolicyOrRosterSharesWithNobody) {
  Node& police = fed_.node("police");
  std::ofstream(police.paths().policy()) << "rules { nope";
  auto unreadable = ShowRecord(police, "P-1");
  ASSERT_TRUE(unreadable.ok());
  EXPECT_EQ(unreadable->shared_now.basis, SharedNow::Basis::kPolicyUnreadable);
  EXPECT_THAT(unreadable->shared_now.policy_error.message(), HasSubstr("policy.txtpb:"));

  std::remove(police.paths().policy().c_str());
  auto no_policy = ShowRecord(police, "P-1");
  ASSERT_TRUE(no_policy.ok());
  EXPECT_EQ(no_policy->shared_now.basis, SharedNow::Basis::kNoPolicy);

  std::remove(police.paths().roster().c_str());
  auto no_roster = ShowRecord(police, "P-1");
  ASSERT_TRUE(no_roster.ok());
  EXPECT_EQ(no_roster->shared_now.basis, SharedNow::Basis::kNoRoster);
  EXPECT_TRUE(no_roster->shared_now.shares.empty());
}

TEST_F(RecordsTest, DeleteLogsAndReKeys) {
  Node& police = fed_.node("police");
  const std::string before = Generation("police");
  auto log = police.AuditLog();
  ASSERT_TRUE(log.ok());
  const uint64_t entries = (*log)->size();
  ASSERT_TRUE(DeleteRecord(police, "P-2").ok());
  EXPECT_EQ((*log)->size(), entries + 1);
  EXPECT_NE(Generation("police"), before);
  EXPECT_TRUE(absl::IsNotFound(ShowRecord(police, "P-2").status()));
  EXPECT_EQ(CountRecords(police)->total, 2u);
}

TEST_F(RecordsTest, DeleteOfAnUnknownIdIsNotFoundButLogged) {
  Node& police = fed_.node("police");
  const std::string before = Generation("police");
  const uint64_t entries = (*police.AuditLog())->size();
  EXPECT_TRUE(absl::IsNotFound(DeleteRecord(police, "P-404").status()));
  EXPECT_EQ((*police.AuditLog())->size(), entries + 1);
  EXPECT_EQ(Generation("police"), before);  // nothing left a table
}

TEST_F(RecordsTest, DeleteIsRefusedWhenItCannotBeLogged) {
  auto unkeyed = Node::Open(fed_.node("police").paths().dir, {.load_identity = false});
  ASSERT_TRUE(unkeyed.ok());
  EXPECT_FALSE(DeleteRecord(**unkeyed, "P-2").ok());
  EXPECT_EQ(CountRecords(fed_.node("police"))->total, 3u);
}

}  // namespace
}  // namespace fedlink::app
