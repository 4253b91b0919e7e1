// The access-log use cases against real nodes: export, review (verify and
// join), witnessing and an auditor's fetch over mutual TLS; and the failure
// of each: a tampered export, the wrong roster or federation key, a missing
// file, an unreachable peer, a node that is not a member.
#include "node/app/audit.h"

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "fedlink/v1/audit.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/audit_headline.h"
#include "node/app/audit_report.h"
#include "node/app/audit_signals.h"
#include "node/app/coordinator.h"
#include "node/app/create_node.h"
#include "node/app/match.h"
#include "node/app/test_app_federation.h"
#include "node/app/test_key_source.h"
#include "node/common/whole_file.h"

namespace fedlink::app {
namespace {

using testing::AppFederation;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::MariaIvanova;

// Auditors may fetch the access log; appended to the police policy.
constexpr char kAuditorsReadTheLog[] = R"pb(
  purposes: "audit"
  rules {
    name: "auditors-read-the-access-log"
    peers { role: NODE_ROLE_AUDITOR }
    purpose: "audit"
    min_agreeing_keys: 1
  }
)pb";

std::string Dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/audit-test-" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
                          name;
  std::filesystem::remove_all(dir);
  return dir;
}

std::string WriteFile(const std::string& name, const std::string& bytes) {
  const std::string path = Dir(name);
  EXPECT_TRUE(common::WriteFileAtomically(path, bytes).ok());
  return path;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fed_.WritePolicy("police", absl::StrCat(testing::kPolicePolicy, kAuditorsReadTheLog));
    fed_.WritePolicy("ngo", testing::kNgoPolicy);
    fed_.Add("police", {MariaIvanova("P-1")});
    fed_.Add("ngo", {MariaIvanova("N-1")});
  }
  // The NGO matches its records at police: an exchange both nodes log.
  void MatchNgoAtPolice() {
    MatchRequest match;
    match.purpose = "victim-dedup";
    match.peer = "police";
    auto report = MatchOwnRecords(fed_.node("ngo"), match);
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_EQ(report->failed_peers(), 0u);
  }
  ExportFile Export(const std::string& id) {
    auto exported = ExportAuditLog(fed_.node(id));
    EXPECT_TRUE(exported.ok()) << exported.status();
    return {id + ".audit", exported.ok() ? exported->bytes : ""};
  }
  std::string FederationKey() {
    auto key = common::ReadWholeFile(fed_.node("police").paths().federation_key());
    EXPECT_TRUE(key.ok()) << key.status();
    return std::string(absl::StripAsciiWhitespace(key.value_or("")));
  }
  std::string RosterFile() {
    auto roster = fed_.node("police").Roster();
    EXPECT_TRUE(roster.ok()) << roster.status();
    return WriteFile("roster.bin", (*roster)->envelope());
  }

  AppFederation fed_{{"police", "ngo", "auditor"}};
};

TEST_F(AuditTest, ExportIsVerifiedAndCounted) {
  ASSERT_TRUE(fed_.node("police").Log(LocalEvent("test.one")).ok());
  ASSERT_TRUE(fed_.node("police").Log(LocalEvent("test.two")).ok());
  auto exported = ExportAuditLog(fed_.node("police"));
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_EQ(exported->node_id, "police");
  EXPECT_GE(exported->entries, 2u);
  EXPECT_GE(exported->checkpoints, 1u);

  auto entries = VerifiedEntries(exported->bytes);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), exported->entries);
  EXPECT_EQ(entries->back().event, "test.two");
  EXPECT_EQ(entries->back().requester, "police");
  EXPECT_GT(entries->back().time_unix_micros, 0);
}

TEST_F(AuditTest, VerifiedEntriesRefusesATamperedExport) {
  ASSERT_TRUE(fed_.node("police").Log(LocalEvent("test.one")).ok());
  ExportFile file = Export("police");
  fedlink::v1::AuditExport proto;
  ASSERT_TRUE(proto.ParseFromString(file.bytes));
  fedlink::v1::AuditEntry entry;
  ASSERT_TRUE(entry.ParseFromString(proto.entries(0)));
  entry.set_detail("rewritten");
  proto.set_entries(0, entry.SerializeAsString());

  auto entries = VerifiedEntries(proto.SerializeAsString());
  EXPECT_FALSE(entries.ok());
  EXPECT_THAT(entries.status().message(), HasSubstr("do not match the signed checkpoint"));

  AuditReview review = ReviewExports({{"tampered.audit", proto.SerializeAsString()}}, nullptr);
  EXPECT_FALSE(review.ok());
  ASSERT_EQ(review.logs.size(), 1u);
  EXPECT_FALSE(review.logs[0].ok);
  EXPECT_THAT(review.logs[0].failure, HasSubstr("do not match the signed checkpoint"));
  EXPECT_THAT(review.entries,
              IsEmpty());  // nothing from an unverified log counts
}

TEST_F(AuditTest, ReviewJoinsBothSidesOfEveryExchange) {
  fed_.Serve("police");
  fed_.Serve("ngo");
  MatchNgoAtPolice();
  AuditReview review = ReviewExports({Export("police"), Export("ngo")}, nullptr);
  EXPECT_TRUE(review.ok());
  EXPECT_GT(review.joined, 0);
  EXPECT_THAT(review.anomalies, IsEmpty());
  ASSERT_EQ(review.entries.size(), 2u);
  ASSERT_EQ(review.logs.size(), 2u);
  EXPECT_EQ(review.logs[0].node_id, "police");
  EXPECT_EQ(review.logs[0].path, "police.audit");
}

TEST_F(AuditTest, ReviewFindsAnExchangeMissingFromTheOtherLog) {
  fed_.Serve("police");
  fed_.Serve("ngo");
  ExportFile police_before = Export("police");  // before the exchange
  MatchNgoAtPolice();
  AuditReview review = ReviewExports({police_before, Export("ngo")}, nullptr);
  EXPECT_FALSE(review.ok());
  ASSERT_THAT(review.anomalies, Not(IsEmpty()));
  EXPECT_THAT(review.anomalies[0], HasSubstr("orphan: ngo entry"));
  EXPECT_THAT(review.anomalies[0], HasSubstr("has no entry at police"));
}

TEST_F(AuditTest, ReviewChecksTheNodeKeyAgainstTheRoster) {
  AuditReview review =
      ReviewExportFiles(
          {{WriteFile("police.audit", Export("police").bytes)}, RosterFile(), FederationKey()})
          .value();
  EXPECT_TRUE(review.ok());
  ASSERT_EQ(review.logs.size(), 1u);
  EXPECT_TRUE(review.logs[0].ok) << review.logs[0].failure;
}

TEST_F(AuditTest, ReviewRefusesANodeThatIsNotInTheRoster) {
  // A node of another federation, with a log of its own.
  const std::string dir = Dir("stranger");
  ASSERT_TRUE(
      CreateNode(dir, {.node_id = "stranger", .organisation = "S", .key_source = TestKeyFile()})
          .ok());
  auto stranger = Node::Open(dir);
  ASSERT_TRUE(stranger.ok()) << stranger.status();
  auto exported = ExportAuditLog(**stranger);
  ASSERT_TRUE(exported.ok()) << exported.status();
  auto roster = fed_.node("police").Roster();
  ASSERT_TRUE(roster.ok());

  AuditReview review = ReviewExports({{"stranger.audit", exported->bytes}}, roster->get());
  EXPECT_FALSE(review.ok());
  ASSERT_EQ(review.logs.size(), 1u);
  EXPECT_EQ(review.logs[0].failure, "node 'stranger' is not in the roster");
}

TEST_F(AuditTest, ReviewRefusesARosterSignedWithAnotherFederationKey) {
  auto other_key = CreateCoordinator(Dir("other-coord"), "other-fed");
  ASSERT_TRUE(other_key.ok()) << other_key.status();
  auto review = ReviewExportFiles(
      {{WriteFile("police.audit", Export("police").bytes)}, RosterFile(), *other_key});
  EXPECT_FALSE(review.ok());
  EXPECT_THAT(review.status().message(), HasSubstr("not by the expected key"));
}

TEST_F(AuditTest, ReviewNeedsAFederationKeyWithARoster) {
  auto review =
      ReviewExportFiles({{WriteFile("police.audit", Export("police").bytes)}, RosterFile(), ""});
  EXPECT_TRUE(absl::IsInvalidArgument(review.status())) << review.status();
  EXPECT_EQ(review.status().message(),
            "a roster needs the federation's verifier key to be checked");
}

TEST_F(AuditTest, ReviewOfAMissingFileIsNotFound) {
  auto review = ReviewExportFiles({{Dir("missing.audit")}, "", ""});
  EXPECT_TRUE(absl::IsNotFound(review.status())) << review.status();
  EXPECT_THAT(review.status().message(), HasSubstr("cannot open"));
}

TEST_F(AuditTest, PeersWitnessTheLogAndTheExportCarriesTheirCosignatures) {
  fed_.Serve("ngo");
  fed_.Serve("auditor");
  ASSERT_TRUE(fed_.node("police").Log(LocalEvent("test.one")).ok());
  auto results = WitnessNow(fed_.node("police"));
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 2u);
  for (const audit::WitnessResult& r : *results) {
    EXPECT_TRUE(r.status.ok()) << r.peer << ": " << r.status;
    EXPECT_GT(r.size, 0u);
  }
  AuditReview review = ReviewExports({Export("police")}, nullptr);
  ASSERT_TRUE(review.ok());
  EXPECT_THAT(review.logs[0].witnesses, Contains("ngo"));
  EXPECT_THAT(review.logs[0].witnesses, Contains("auditor"));
}

TEST_F(AuditTest, AnUnreachableWitnessIsReportedNotFatal) {
  fed_.Serve("ngo");  // the auditor is down
  auto results = WitnessNow(fed_.node("police"));
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 2u);
  for (const audit::WitnessResult& r : *results) {
    if (r.peer == "ngo") {
      EXPECT_TRUE(r.status.ok()) << r.status;
    } else {
      EXPECT_TRUE(absl::IsUnavailable(r.status)) << r.peer << ": " << r.status;
    }
  }
}

TEST_F(AuditTest, WitnessingNeedsARoster) {
  const std::string dir = Dir("loner");
  ASSERT_TRUE(
      CreateNode(dir, {.node_id = "loner", .organisation = "L", .key_source = TestKeyFile()}).ok());
  auto loner = Node::Open(dir);
  ASSERT_TRUE(loner.ok()) << loner.status();
  auto results = WitnessNow(**loner);
  EXPECT_TRUE(absl::IsNotFound(results.status())) << results.status();
}

TEST_F(AuditTest, AnAuditorFetchesAVerifiedExport) {
  fed_.Serve("police");
  auto bytes = FetchAuditExport(fed_.node("auditor"), "police");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto entries = VerifiedEntries(*bytes);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_THAT(*entries, Not(IsEmpty()));
}

TEST_F(AuditTest, OnlyAnAuditorMayFetchTheLog) {
  fed_.Serve("police");
  auto bytes = FetchAuditExport(fed_.node("ngo"), "police");
  EXPECT_TRUE(absl::IsPermissionDenied(bytes.status())) << bytes.status();
  EXPECT_THAT(bytes.status().message(), HasSubstr("only auditor members"));
}

TEST_F(AuditTest, FetchFromANonMemberOrAnUnreachablePeerFails) {
  auto stranger = FetchAuditExport(fed_.node("auditor"), "stranger");
  EXPECT_TRUE(absl::IsInvalidArgument(stranger.status())) << stranger.status();
  EXPECT_EQ(stranger.status().message(), "peer stranger: not a member of the installed roster");
  auto down = FetchAuditExport(fed_.node("auditor"), "police", absl::Seconds(2));
  EXPECT_TRUE(absl::IsUnavailable(down.status()) || absl::IsDeadlineExceeded(down.status()))
      << down.status();
}

// Every byte of every input matters: an export with any one byte flipped
// (or a roster with one) never gets a VERIFIED headline, and the page says
// PROBLEMS FOUND; the untouched inputs do get VERIFIED, with their SHA-256.
TEST_F(AuditTest, AFlippedByteInAnyInputShowsInTheHeadline) {
  fed_.Serve("police");
  fed_.Serve("ngo");
  MatchRequest match;
  match.purpose = "victim-dedup";
  match.peer = "police";
  match.options.actor = {"officer-7f3", "CASE-2026-17"};
  auto matched = MatchOwnRecords(fed_.node("ngo"), match);
  ASSERT_TRUE(matched.ok()) << matched.status();
  ASSERT_EQ(matched->failed_peers(), 0u);
  ASSERT_TRUE(WitnessNow(fed_.node("police")).ok());
  const std::vector<ExportFile> files = {Export("police"), Export("ngo")};
  auto roster = fed_.node("police").Roster();
  ASSERT_TRUE(roster.ok()) << roster.status();

  const AuditReview clean = ReviewExports(files, roster->get());
  const Headline good = MakeHeadline(clean, FindingsOf(clean, absl::Now()));
  ASSERT_EQ(good.status, Headline::Status::kVerified) << good.verified << " " << good.found;
  const std::string page = RenderAuditReport(clean, absl::Now());
  EXPECT_THAT(page, HasSubstr("Overall: <span class=ok>VERIFIED</span>"));
  EXPECT_THAT(page, HasSubstr(clean.logs[0].sha256));
  EXPECT_THAT(page, HasSubstr("checked against signed roster version"));

  for (size_t f = 0; f < files.size(); ++f) {
    for (size_t at = 0; at < files[f].bytes.size(); ++at) {
      std::vector<ExportFile> flipped = files;
      flipped[f].bytes[at] ^= 0x01;
      const AuditReview review = ReviewExports(flipped, roster->get());
      const Headline h = MakeHeadline(review, FindingsOf(review, absl::Now()));
      ASSERT_EQ(h.status, Headline::Status::kProblems)
          << files[f].name << " byte " << at << " flipped: " << h.status_text << " " << h.found;
      EXPECT_NE(review.logs[f].sha256, clean.logs[f].sha256);
      if (at % 101 == 0) {
        EXPECT_THAT(RenderAuditReport(review, absl::Now()),
                    HasSubstr("Overall: <span class=bad>PROBLEMS FOUND</span>"));
      }
    }
  }
  // The roster: a flipped byte anywhere and it does not open, so the review
  // is refused outright (ReviewExportFiles opens it exactly so).
  const std::string roster_bytes = (*roster)->envelope();
  const crypto::Verifier federation = crypto::Verifier::Parse(FederationKey()).value();
  ASSERT_TRUE(federation::Roster::Open(roster_bytes, federation, absl::Now()).ok());
  for (size_t at = 0; at < roster_bytes.size(); ++at) {
    std::string bytes = roster_bytes;
    bytes[at] ^= 0x01;
    ASSERT_FALSE(federation::Roster::Open(bytes, federation, absl::Now()).ok())
        << "roster byte " << at << " flipped";
  }
  std::string one_flipped = roster_bytes;
  one_flipped[roster_bytes.size() / 2] ^= 0x01;
  auto flipped_roster = ReviewExportFiles({{WriteFile("police.audit", files[0].bytes)},
                                           WriteFile("flipped-roster.bin", one_flipped),
                                           FederationKey()});
  EXPECT_FALSE(flipped_roster.ok());
}

// Without a roster the headline says the node keys are self-declared.
TEST_F(AuditTest, WithoutARosterTheHeadlineSaysNodeKeysAreSelfDeclared) {
  ASSERT_TRUE(fed_.node("police").Log(LocalEvent("test.one")).ok());
  const AuditReview review = ReviewExports({Export("police")}, nullptr);
  const Headline h = MakeHeadline(review, FindingsOf(review, absl::Now()));
  EXPECT_THAT(h.verified, HasSubstr("node keys are self-declared"));
  EXPECT_FALSE(review.roster_checked);
  ASSERT_EQ(review.logs.size(), 1u);
  EXPECT_EQ(review.logs[0].sha256.size(), 64u);
  EXPECT_GT(review.logs[0].last_checkpoint_size, 0u);
  EXPECT_THAT(RenderAuditReport(review, absl::Now()), HasSubstr("node keys are self-declared"));
}

// A rule with require_legal_basis refuses a request that names no legal
// basis or official, and both logs show the refusal; the same request with
// them is answered.
TEST_F(AuditTest, LegalBasisRuleRefusesAndLogsRequestsWithoutOne) {
  std::string policy = testing::kPolicePolicy;
  policy.replace(policy.find("daily_evaluate_budget"), 0, "require_legal_basis: true\n    ");
  fed_.WritePolicy("police", absl::StrCat(policy, kAuditorsReadTheLog));
  fed_.Serve("police");
  fed_.Serve("ngo");
  MatchRequest match;
  match.purpose = "victim-dedup";
  match.peer = "police";
  match.options.refresh = true;
  auto refused = MatchOwnRecords(fed_.node("ngo"), match);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->failed_peers(), 1u);

  match.options.actor = {"officer-7f3", ""};  // an official, still no legal basis
  auto still_refused = MatchOwnRecords(fed_.node("ngo"), match);
  ASSERT_TRUE(still_refused.ok()) << still_refused.status();
  EXPECT_EQ(still_refused->failed_peers(), 1u);

  match.options.actor = {"officer-7f3", "CASE-2026-17"};
  auto answered = MatchOwnRecords(fed_.node("ngo"), match);
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(answered->failed_peers(), 0u);

  auto entries = VerifiedEntries(Export("police").bytes);
  ASSERT_TRUE(entries.ok()) << entries.status();
  int refusals = 0, served_with_basis = 0, evaluated = 0;
  for (const ExportedEntry& e : *entries) {
    if (e.event == "match.table.refused" && e.requester == "ngo") {
      ++refusals;
      EXPECT_THAT(e.outcome, HasSubstr("PERMISSION_DENIED"));
      EXPECT_THAT(e.outcome, HasSubstr("requires a legal basis and an official"));
    }
    if (e.event == "match.table.served" && e.legal_basis == "CASE-2026-17" &&
        e.official == "officer-7f3") {
      ++served_with_basis;
    }
    // The responder logs each batch's key types (for the single-key signal).
    if (e.event == "match.evaluate.answered") {
      EXPECT_FALSE(EvaluatedKeyTypes(e.detail).empty()) << e.detail;
      ++evaluated;
    }
  }
  EXPECT_GE(refusals, 2);
  EXPECT_EQ(served_with_basis, 1);
  EXPECT_GT(evaluated, 0);
}

}  // namespace
}  // namespace fedlink::app
