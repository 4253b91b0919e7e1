// The auditor's page, from reviews built by hand: what it says about
// verification, flows and anomalies, and that it escapes what exports hold.
#include "node/app/audit_report.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/audit_headline.h"
#include "node/app/test_audit_logs.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ExportedEntry Answered(const std::string& requester, const std::string& responder, uint64_t count,
                       int64_t micros) {
  ExportedEntry e;
  e.event = "match.evaluate.answered";
  e.requester = requester;
  e.responder = responder;
  e.purpose = "victim-dedup";
  e.count = count;
  e.time_unix_micros = micros;
  e.detail = "rule r; budget left 10";
  return e;
}

AuditReview VerifiedReview() {
  AuditReview review;
  LogReview log;
  log.path = "police.audit";
  log.node_id = "police";
  log.ok = true;
  log.entries = 3;
  log.checkpoints = 1;
  log.witnesses = {"ngo", "ngo", "auditor"};
  review.logs.push_back(log);
  ExportedEntry refused = Answered("ngo", "police", 0, 3'000'000);
  refused.event = "match.evaluate.refused";
  refused.outcome = "RESOURCE_EXHAUSTED: budget spent";
  review.entries["police"] = {Answered("ngo", "police", 100, 1'000'000),
                              Answered("ngo", "police", 50, 2'000'000), refused};
  return review;
}

TEST(AuditReportTest, AVerifiedReviewShowsItsFlowsAndRefusals) {
  const std::string html = RenderAuditReport(VerifiedReview(), absl::FromUnixSeconds(0));
  // A spent budget is a finding: the headline does not say VERIFIED.
  EXPECT_THAT(html, HasSubstr("<span class=warn>FINDINGS TO REVIEW</span>"));
  EXPECT_THAT(html, Not(HasSubstr(">VERIFIED<")));
  EXPECT_THAT(html, HasSubstr("Found: 1 misuse signal; 3 exchanges without a legal basis or "
                              "official."));
  EXPECT_THAT(html, HasSubstr("Generated 1970-01-01 00:00:00 UTC by fedlink 0.1.0 from 1 exports"));
  EXPECT_THAT(html,
              HasSubstr("3 (auditor, ngo)"));  // cosignatures, witnesses once each
  EXPECT_THAT(html, HasSubstr("<td>ngo</td><td>police</td><td>victim-dedup</td><td>3</td>"
                              "<td>0</td><td>150</td><td>10</td><td>1</td>"));
  EXPECT_THAT(html, HasSubstr("RESOURCE_EXHAUSTED: budget spent"));
  EXPECT_THAT(html, HasSubstr("<svg"));
  EXPECT_THAT(html, HasSubstr("near its daily budget"));
  EXPECT_THAT(html, Not(HasSubstr("http://")));  // self-contained
  EXPECT_THAT(html, Not(HasSubstr("https://")));
}

// A request that did not authenticate is a refusal whatever its method's
// event, shown by the TLS peer that sent it.
TEST(AuditReportTest, AnUnauthenticatedRequestIsARefusalNamingItsTlsPeer) {
  AuditReview review = VerifiedReview();
  ExportedEntry forged;
  forged.event = "followup.contact.received";
  forged.responder = "police";
  forged.tls_peer = "shelter";
  forged.outcome = "UNAUTHENTICATED: bad-signature";
  forged.time_unix_micros = 4'000'000;
  review.entries["police"].push_back(forged);
  const std::string html = RenderAuditReport(review, absl::FromUnixSeconds(0));
  EXPECT_THAT(html, HasSubstr("<td>followup.contact.received</td><td>unauthenticated (TLS peer "
                              "shelter)</td><td>police</td><td></td><td>UNAUTHENTICATED: "
                              "bad-signature</td>"));
}

TEST(AuditReportTest, AFailedLogIsAProblem) {
  AuditReview review = VerifiedReview();
  LogReview bad;
  bad.path = "tampered.audit";
  bad.failure = "entries 3 to 3 do not match the signed checkpoint of size 4";
  review.logs.push_back(bad);
  const std::string html = RenderAuditReport(review, absl::Now());
  EXPECT_THAT(html, HasSubstr("PROBLEMS FOUND"));
  EXPECT_THAT(html, HasSubstr("<span class=bad>FAILED: entries 3 to 3"));
}

TEST(AuditReportTest, EscapesWhatTheExportsHold) {
  AuditReview review = VerifiedReview();
  review.logs[0].path = "<script>alert(1)</script>.audit";
  review.anomalies.push_back("orphan: \"x\" & <y>");
  const std::string html = RenderAuditReport(review, absl::Now());
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_EQ(html.find("<script"), html.rfind("<script"));  // the page's own, once
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;.audit"));
  EXPECT_THAT(html, HasSubstr("orphan: &quot;x&quot; &amp; &lt;y&gt;"));
}

// Every '<' in the page opens one of its own tags, the script included (so
// a check of the page's markup, as fuzz_audit_export does, can read it all).
TEST(AuditReportTest, EveryLessThanSignOpensATag) {
  AuditReview review = VerifiedReview();
  review.anomalies.push_back("a < b");
  const std::string html = RenderAuditReport(review, absl::Now());
  for (size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
    ASSERT_LT(at + 1, html.size());
    const char next = html[at + 1];
    EXPECT_TRUE(absl::ascii_isalpha(static_cast<unsigned char>(next)) || next == '/' || next == '!')
        << html.substr(at, 40);
  }
}

TEST(AuditReportTest, AnEmptyReviewSaysSo) {
  const std::string html = RenderAuditReport(AuditReview{}, absl::Now());
  EXPECT_THAT(html, Not(HasSubstr(">VERIFIED<")));
  EXPECT_THAT(html, HasSubstr("no exports were given"));
  EXPECT_THAT(html, HasSubstr("<h2 id=\"refusals\">Refusals</h2>\n<p>None.</p>"));
  EXPECT_THAT(html, HasSubstr("None found."));
  EXPECT_THAT(html, Not(HasSubstr("<svg")));
}

// Only a clean review is VERIFIED; a join anomaly or a failed export is a
// problem; a signal or a missing legal basis is a finding; the verified
// sentence says whether keys were checked against a roster.
TEST(AuditHeadlineTest, SaysWhatWasVerifiedAndWhatWasFound) {
  AuditReview review = VerifiedReview();
  review.roster_checked = true;
  review.roster_version = 4;
  Headline h = MakeHeadline(review, {});
  EXPECT_EQ(h.status, Headline::Status::kVerified);
  EXPECT_EQ(h.status_text, "VERIFIED");
  EXPECT_THAT(h.verified, HasSubstr("1 of 1 exports verified"));
  EXPECT_THAT(h.verified, HasSubstr("Merkle roots over 3 entries"));
  EXPECT_THAT(h.verified, HasSubstr("checked against signed roster version 4"));
  EXPECT_EQ(h.found, "Found: nothing to report.");

  Findings findings;
  findings.without_legal_basis = 2;
  h = MakeHeadline(review, findings);
  EXPECT_EQ(h.status, Headline::Status::kFindings);
  EXPECT_EQ(h.found, "Found: 2 exchanges without a legal basis or official.");

  findings.witness_refusals_or_failed_reloads = 1;
  h = MakeHeadline(review, findings);
  EXPECT_EQ(h.status, Headline::Status::kFindings);
  EXPECT_THAT(h.found, HasSubstr("1 witness refusal or failed policy reload"));

  review.anomalies.push_back("orphan: ngo entry 4 (...) has no entry at police");
  h = MakeHeadline(review, findings);
  EXPECT_EQ(h.status, Headline::Status::kProblems);
  EXPECT_THAT(h.found, HasSubstr("1 join anomaly"));

  review = VerifiedReview();
  LogReview bad;
  bad.path = "ngo.audit";
  bad.failure = "checkpoint 2: bad signature";
  review.logs.push_back(bad);
  h = MakeHeadline(review, {});
  EXPECT_EQ(h.status_text, "PROBLEMS FOUND");
  EXPECT_THAT(h.verified, HasSubstr("1 of 2 exports verified"));
  EXPECT_THAT(h.verified, HasSubstr("node keys are self-declared"));
  EXPECT_THAT(h.found, HasSubstr("1 export did not verify: ngo.audit (checkpoint 2: bad "
                                 "signature)"));
}

// The page carries its provenance: each export's SHA-256, node, entry range,
// last checkpoint and witnesses, and the roster.
TEST(AuditReportTest, StatesItsProvenance) {
  AuditReview review = VerifiedReview();
  review.logs[0].sha256 = std::string(64, 'a');
  review.logs[0].first_time_unix_micros = 1'000'000;
  review.logs[0].last_time_unix_micros = 3'000'000;
  review.logs[0].last_checkpoint_size = 3;
  review.logs[0].last_checkpoint_root = "cm9vdA==";
  review.logs[0].cosigned_up_to = {{"ngo", 3}, {"auditor", 2}};
  const std::string html = RenderAuditReport(review, absl::FromUnixSeconds(0));
  EXPECT_THAT(html, HasSubstr(std::string(64, 'a')));
  EXPECT_THAT(html, HasSubstr("<td>0 to 2 (3)</td><td>1970-01-01 00:00:01</td>"
                              "<td>1970-01-01 00:00:03</td>"));
  EXPECT_THAT(html, HasSubstr("3, cm9vdA=="));
  EXPECT_THAT(html, HasSubstr("auditor up to 2; ngo up to 3"));
  EXPECT_THAT(html, HasSubstr("none given: node keys are self-declared"));
}

// Every exchange shows its legal basis and official; one without is
// flagged in its row, in the summaries and in the headline.
TEST(AuditReportTest, FlagsExchangesWithoutALegalBasisOrOfficial) {
  AuditReview review = VerifiedReview();
  review.entries["police"][0].legal_basis = "CASE-7";
  review.entries["police"][0].official = "officer-1";
  const std::string html = RenderAuditReport(review, absl::FromUnixSeconds(0));
  EXPECT_THAT(html, HasSubstr("<td>CASE-7</td><td>officer-1</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=missing>MISSING</td><td class=missing>MISSING</td>"));
  EXPECT_THAT(html, HasSubstr("2 of 3 exchanges lack a legal basis or official"));
  EXPECT_THAT(html, HasSubstr("2 exchanges without a legal basis or official"));
  EXPECT_THAT(html, HasSubstr("class=flag data-day=\"1970-01-01\""));
}

// The one script is allowed by the page's CSP by its hash, and nothing
// else is: no 'unsafe-inline', no source that reaches the network.
TEST(AuditReportTest, ItsOnlyScriptRunsUnderAStrictContentSecurityPolicy) {
  const std::string html = RenderAuditReport(VerifiedReview(), absl::FromUnixSeconds(0));
  EXPECT_THAT(html, HasSubstr(absl::StrCat("default-src 'none'; style-src 'sha256-")));
  EXPECT_THAT(html, HasSubstr(absl::StrCat("script-src ", AuditReportScriptHashSource(), ";")));
  EXPECT_THAT(html, HasSubstr(absl::StrCat("<script>", AuditReportScript(), "</script>")));
  EXPECT_THAT(html, Not(HasSubstr("unsafe-inline")));
  EXPECT_THAT(html, Not(HasSubstr(" style=")));  // inline styles would need 'unsafe-inline'
  size_t scripts = 0;
  for (size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    ++scripts;
  }
  EXPECT_EQ(scripts, 1u);
}

// A signal's sentence and its entries, linked to their rows.
TEST(AuditReportTest, EachSignalIsExplainedAndLinkedToItsEntries) {
  const std::string html = RenderAuditReport(VerifiedReview(), absl::FromUnixSeconds(0));
  EXPECT_THAT(html, HasSubstr("budget-exhausted</span>: ngo spent its daily evaluation budget at "
                              "police for purpose victim-dedup"));
  EXPECT_THAT(html, HasSubstr("<a href=\"#e-police-2\">police #2</a>"));
  EXPECT_THAT(html, HasSubstr("<tr id=\"e-police-2\""));
}

// Generated logs of four nodes, raising every misuse signal, with
// follow-ups answered in time, late and never, and a revocation that was
// not acknowledged.
AuditReview EverySignal() {
  using testing::At;
  testing::Logs logs;
  logs.Role("police", "agency")
      .Role("ngo", "ngo")
      .Role("shelter", "ngo")
      .Role("auditor", "auditor");
  for (int day = 0; day < 3; ++day) {
    for (int hour = 8; hour < 18; hour += 2) {
      logs.Evaluate("ngo", "police", 40 + hour, At(day, hour, 5), "name_dob=20 phone=8 email=8");
      logs.Evaluate("shelter", "police", 30, At(day, hour, 35), "phone=30");  // one key type
    }
  }
  // Enumeration: an hour of ngo far above its own baseline, then its budget.
  for (int m = 0; m < 50; m += 5) {
    logs.Evaluate("ngo", "police", 900, At(1, 14, m), "name_dob=300 phone=300 email=300");
  }
  for (int m = 50; m < 54; ++m) {
    logs.Refused("ngo", "police", At(1, 14, m),
                 "RESOURCE_EXHAUSTED: daily evaluation budget of 10000 spent");
  }
  // At night, and on a Saturday.
  logs.Evaluate("ngo", "police", 12, At(1, 23, 40), "name_dob=6 phone=6");
  logs.Evaluate("ngo", "police", 12, At(5, 11, 0), "name_dob=6 phone=6");
  // An auditor matching people; a burst of refusals of a forged client.
  logs.Table("auditor", "police", At(2, 9, 0), "victim-dedup");
  for (int m = 0; m < 6; ++m) {
    ExportedEntry forged;
    forged.event = "match.table.refused";
    forged.responder = "police";
    forged.tls_peer = "sha256:9f2c";
    forged.outcome = "UNAUTHENTICATED: bad-signature";
    forged.time_unix_micros = At(2, 3, m);
    logs.Entry("police", forged);
  }
  // Exchanges ngo logged and police did not.
  logs.OnlyAtRequester("ngo", "police", At(2, 10, 0));
  // A match without a legal basis or official.
  ExportedEntry bare;
  bare.event = "match.table.served";
  bare.requester = "shelter";
  bare.responder = "police";
  bare.purpose = "victim-dedup";
  bare.time_unix_micros = At(2, 11, 0);
  logs.Entry("police", bare);
  // Follow-ups: in time, late, never; revocations acknowledged and not.
  logs.Contact("ngo", "police", "c1", At(0, 9), At(0, 15));
  logs.Contact("ngo", "police", "c2", At(0, 10), At(3, 10));
  logs.Contact("shelter", "police", "c3", At(1, 9), 0);
  logs.Revocation("police", "ngo", "r1", At(2, 12), true);
  logs.Revocation("police", "shelter", "r2", At(2, 12, 5), false);
  AuditReview review = logs.review();
  review.roster_checked = true;
  review.roster_version = 7;
  for (const auto& [node, entries] : review.entries) {
    LogReview l;
    l.path = node + ".audit";
    l.node_id = node;
    l.sha256 = std::string(64, node[0]);
    l.ok = true;
    l.entries = entries.size();
    l.checkpoints = 3;
    l.last_checkpoint_size = entries.size();
    l.last_checkpoint_root = "q1xkYXRhIHJvb3QgaGFzaCBmb3IgdGVzdHMhISEhISE=";
    l.witnesses = {"auditor", "police"};
    l.cosigned_up_to = {{"auditor", entries.size()}};
    if (!entries.empty()) {
      l.first_time_unix_micros = entries.front().time_unix_micros;
      l.last_time_unix_micros = entries.back().time_unix_micros;
    }
    review.logs.push_back(l);
  }
  review.orphans = logs.review().orphans;
  review.anomalies.push_back(
      "orphan: ngo entry 71 (match.table.fetched, exchange x) has no entry "
      "at police");
  return review;
}

// The report of logs raising every signal names each, says so in its
// headline, and is written where tests/audit_report_screens.sh renders it
// (FEDLINK_REPORT_OUT) in headless Chromium.
TEST(AuditReportTest, AReportOfLogsRaisingEverySignalNamesEachOne) {
  ReportOptions options;
  options.signals.working_hours = ParseWorkingHours("07:00-19:00/mon-fri").value();
  const AuditReview review = EverySignal();
  const absl::Time now = absl::FromUnixMicros(testing::At(4, 12));
  const std::string html = RenderAuditReport(review, now, options);
  for (const char* kind :
       {kSignalEnumeration, kSignalSingleKeyType, kSignalBudgetExhausted, kSignalOutOfHours,
        kSignalMissingInPeerLog, kSignalRefusalBurst, kSignalPurposeOutsideRole}) {
    EXPECT_THAT(html, HasSubstr(absl::StrCat("<span class=warn>", kind, "</span>: "))) << kind;
  }
  EXPECT_THAT(html, HasSubstr("Overall: <span class=bad>PROBLEMS FOUND</span>"));
  EXPECT_THAT(html, HasSubstr("answered in time"));
  EXPECT_THAT(html, HasSubstr("answered late"));
  EXPECT_THAT(html, HasSubstr("never answered"));
  EXPECT_THAT(html, HasSubstr("class=bad>NO"));  // a revocation not acknowledged
  EXPECT_THAT(html, HasSubstr("2 contact requests answered late or never"));
  EXPECT_THAT(html, HasSubstr("1 revocation notice not acknowledged"));
  EXPECT_THAT(html, HasSubstr("signed roster version 7"));
  EXPECT_THAT(html, HasSubstr("07:00-19:00 UTC"));
  if (const char* out = std::getenv("FEDLINK_REPORT_OUT"); out != nullptr) {
    std::ofstream(out) << html;
  }
}

}  // namespace
}  // namespace fedlink::app
