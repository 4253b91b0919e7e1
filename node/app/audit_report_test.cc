// The auditor's page, from reviews built by hand: what it says about
// verification, flows and anomalies, and that it escapes what exports hold.
#include "node/app/audit_report.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

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
  EXPECT_THAT(html, HasSubstr("<span class=ok>VERIFIED</span>"));
  EXPECT_THAT(html, HasSubstr("Generated 1970-01-01 00:00:00 UTC from 1 exports"));
  EXPECT_THAT(html,
              HasSubstr("3 (auditor, ngo)"));  // cosignatures, witnesses once each
  EXPECT_THAT(html, HasSubstr("<td>ngo</td><td>police</td><td>victim-dedup</td><td>3</td>"
                              "<td>0</td><td>150</td><td>10</td><td>1</td>"));
  EXPECT_THAT(html, HasSubstr("RESOURCE_EXHAUSTED: budget spent"));
  EXPECT_THAT(html, HasSubstr("<svg"));
  EXPECT_THAT(html, HasSubstr("near its daily budget"));
  EXPECT_THAT(html, Not(HasSubstr("http")));  // self-contained
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
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;.audit"));
  EXPECT_THAT(html, HasSubstr("orphan: &quot;x&quot; &amp; &lt;y&gt;"));
}

TEST(AuditReportTest, AnEmptyReviewSaysSo) {
  const std::string html = RenderAuditReport(AuditReview{}, absl::Now());
  EXPECT_THAT(html, HasSubstr("VERIFIED"));
  EXPECT_THAT(html, HasSubstr("<h2>Refusals</h2>\n<p>None.</p>"));
  EXPECT_THAT(html, HasSubstr("None found."));
  EXPECT_THAT(html, Not(HasSubstr("<svg")));
}

}  // namespace
}  // namespace fedlink::app
