#include "node/audit/witness.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "crypto/signed_note.h"
#include "gtest/gtest.h"
#include "node/audit/audit_log.h"

namespace fedlink::audit {
namespace {

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) /
            ("witness-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    for (const char* d : {"a", "fork", "w"}) std::filesystem::create_directories(root_ / d);
    log_key_ = *crypto::SigningKey::Generate("police");
    witness_key_ = *crypto::SigningKey::Generate("ngo");
    log_ = *AuditLog::Open((root_ / "a").string(), log_key_.get());
    fork_ = *AuditLog::Open((root_ / "fork").string(), log_key_.get());
    witness_ = *Witness::Open((root_ / "w").string(), witness_key_.get());
    verifier_ = *crypto::Verifier::Parse(log_key_->VerifierKey());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  static void Grow(AuditLog& log, int n, const std::string& tag) {
    for (int i = 0; i < n; ++i) {
      Event e;
      e.event = tag;
      ASSERT_TRUE(log.Append(e).ok());
    }
  }

  std::filesystem::path root_;
  std::unique_ptr<crypto::SigningKey> log_key_, witness_key_;
  std::unique_ptr<AuditLog> log_, fork_;
  std::unique_ptr<Witness> witness_;
  crypto::Verifier verifier_;
};

TEST_F(WitnessTest, CosignsConsistentGrowthAndRefusesForksAndRollbacks) {
  Grow(*log_, 5, "real");
  const std::string note5 = *log_->Checkpoint();
  auto first = witness_->Cosign(verifier_, note5, 0, {});
  ASSERT_TRUE(first.ok()) << first.status();
  Grow(*log_, 5, "real");
  const std::string note10 = *log_->Checkpoint();
  auto proof = log_->ConsistencyProof(5, 10);
  ASSERT_TRUE(proof.ok());
  ASSERT_TRUE(witness_->Cosign(verifier_, note10, 5, *proof).ok());
  EXPECT_EQ(*witness_->LastCosigned("police"), 10u);

  // A fork signed by the same key: other entries, sizes 10 and 12.
  Grow(*fork_, 10, "forged");
  const std::string fork10 = *fork_->Checkpoint();
  auto s = witness_->Cosign(verifier_, fork10, 10, {});
  EXPECT_TRUE(absl::IsFailedPrecondition(s.status())) << s.status();
  Grow(*fork_, 2, "forged");
  const std::string fork12 = *fork_->Checkpoint();
  EXPECT_TRUE(absl::IsFailedPrecondition(
      witness_->Cosign(verifier_, fork12, 10, *fork_->ConsistencyProof(10, 12)).status()));
  // A rollback to an older checkpoint.
  EXPECT_TRUE(absl::IsFailedPrecondition(witness_->Cosign(verifier_, note5, 0, {}).status()));
  EXPECT_EQ(*witness_->EvidenceCount(), 3);
  EXPECT_EQ(*witness_->LastCosigned("police"), 10u);
  // Not signed by the log's key.
  auto other = *crypto::SigningKey::Generate("police");
  auto wrong = *crypto::Verifier::Parse(other->VerifierKey());
  EXPECT_TRUE(absl::IsUnauthenticated(witness_->Cosign(wrong, note10, 5, *proof).status()));
}

TEST_F(WitnessTest, ExportCarriesVerifiableCosignatures) {
  Grow(*log_, 7, "real");
  const std::string note = *log_->Checkpoint();
  auto line = witness_->Cosign(verifier_, note, 0, {});
  ASSERT_TRUE(line.ok());
  const std::string cosigned = absl::StrCat(note, *line);  // the line ends in "\n"
  EXPECT_EQ(log_->LastCosignatureOf("ngo")->at, absl::InfinitePast());
  EXPECT_EQ(log_->LastCosignatureOf("ngo")->size, 0u);
  ASSERT_TRUE(log_->AddCosignature(7, "ngo", witness_key_->VerifierKey(), cosigned).ok());
  // The time the witness signed (whole seconds), not our own signature's.
  const auto last = log_->LastCosignatureOf("ngo");
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->size, 7u);
  EXPECT_LE(absl::AbsDuration(absl::Now() - last->at), absl::Seconds(5));
  EXPECT_EQ(log_->LastCosignatureOf("shelter")->at, absl::InfinitePast());
  auto bytes = log_->Export();
  ASSERT_TRUE(bytes.ok());
  auto verified = VerifyExport(*bytes, "", {{"ngo", witness_key_->VerifierKey()}});
  ASSERT_TRUE(verified.ok()) << verified.status();
  ASSERT_EQ(verified->witnesses.size(), 1u);
  EXPECT_EQ(verified->witnesses[0], "ngo");
  // A witness the roster does not list is refused.
  auto stranger = *crypto::SigningKey::Generate("shelter");
  EXPECT_TRUE(absl::IsPermissionDenied(
      VerifyExport(*bytes, "", {{"shelter", stranger->VerifierKey()}}).status()));
  // A member the roster lists with another key (it rotated its identity key
  // since it cosigned): its cosignature still verifies with its own key but
  // does not count as the roster's witness.
  auto rotated = *crypto::SigningKey::Generate("ngo");
  auto other_key = VerifyExport(*bytes, "", {{"ngo", rotated->VerifierKey()}});
  ASSERT_TRUE(other_key.ok()) << other_key.status();
  EXPECT_TRUE(other_key->witnesses.empty());
  EXPECT_EQ(other_key->witnesses_by_other_keys, std::vector<std::string>{"ngo"});
  // A cosignature over other bytes does not verify.
  std::string tampered = cosigned;
  tampered[tampered.size() - 5] ^= 0x01;
  ASSERT_TRUE(log_->AddCosignature(7, "ngo", witness_key_->VerifierKey(), tampered).ok());
  EXPECT_FALSE(VerifyExport(*log_->Export()).ok());
}

// Every byte of a cosigned note counts: the log's own signature line in it
// changed, or a line added by someone else, and the export does not verify
// (before, only the witness's line was checked).
TEST_F(WitnessTest, ACosignedNoteWithAnyOtherLineChangedIsRefused) {
  Grow(*log_, 7, "real");
  const std::string note = *log_->Checkpoint();
  auto line = witness_->Cosign(verifier_, note, 0, {});
  ASSERT_TRUE(line.ok());
  // The log's signature line is the note's last line before the witness's.
  std::string changed = note;
  changed[changed.size() - 3] ^= 0x01;
  ASSERT_TRUE(
      log_->AddCosignature(7, "ngo", witness_key_->VerifierKey(), absl::StrCat(changed, *line))
          .ok());
  auto verified = VerifyExport(*log_->Export());
  EXPECT_TRUE(absl::IsDataLoss(verified.status())) << verified.status();
}

}  // namespace
}  // namespace fedlink::audit
