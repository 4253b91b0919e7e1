// An auditor's signature on a report: the report it signed verifies, and a
// changed byte, a cut, another key or another kind of note does not.
#include "node/app/audit_report_signature.h"

#include "crypto/signed_note.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;

TEST(AuditReportSignatureTest, TheSignedReportVerifies) {
  auto key = crypto::SigningKey::Generate("auditor");
  ASSERT_TRUE(key.ok());
  const std::string html = "<!doctype html><p>report</p>\n";
  auto signature = SignAuditReport(**key, html);
  ASSERT_TRUE(signature.ok()) << signature.status();
  auto verifier = crypto::Verifier::Parse((*key)->VerifierKey());
  ASSERT_TRUE(verifier.ok());
  auto verified = VerifyAuditReport(html, *signature, {*verifier});
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->signer, "auditor");
  EXPECT_EQ(verified->sha256.size(), 64u);
}

TEST(AuditReportSignatureTest, AChangedByteOrAnotherKeyFailsVerification) {
  auto key = crypto::SigningKey::Generate("auditor");
  auto other = crypto::SigningKey::Generate("auditor");  // same name, another key
  ASSERT_TRUE(key.ok() && other.ok());
  const std::string html = "<!doctype html><p>Overall: FINDINGS TO REVIEW</p>\n";
  const std::string signature = SignAuditReport(**key, html).value();
  const crypto::Verifier verifier = crypto::Verifier::Parse((*key)->VerifierKey()).value();
  for (size_t at = 0; at < html.size(); ++at) {
    std::string changed = html;
    changed[at] ^= 0x01;
    auto v = VerifyAuditReport(changed, signature, {verifier});
    ASSERT_TRUE(absl::IsDataLoss(v.status())) << "byte " << at << ": " << v.status();
    EXPECT_THAT(v.status().message(), HasSubstr("is not the one auditor signed"));
  }
  EXPECT_TRUE(absl::IsDataLoss(
      VerifyAuditReport(html.substr(0, html.size() - 1), signature, {verifier}).status()));
  EXPECT_TRUE(absl::IsDataLoss(VerifyAuditReport(html + " ", signature, {verifier}).status()));
  // Signed by another key of the same name.
  auto by_other = VerifyAuditReport(html, SignAuditReport(**other, html).value(), {verifier});
  EXPECT_TRUE(absl::IsUnauthenticated(by_other.status())) << by_other.status();
  // A flipped byte in the signature itself.
  for (size_t at = 0; at < signature.size(); at += 7) {
    std::string bad = signature;
    bad[at] ^= 0x01;
    EXPECT_FALSE(VerifyAuditReport(html, bad, {verifier}).ok()) << "signature byte " << at;
  }
  // A signed note of another kind (a checkpoint-like text) is not a report signature.
  auto note = crypto::note::Sign("police\n3\nroot\n", **key);
  ASSERT_TRUE(note.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(VerifyAuditReport(html, *note, {verifier}).status()));
}

}  // namespace
}  // namespace fedlink::app
