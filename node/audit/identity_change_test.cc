// The access log's identity key changes (audit_log.h, kIdentitySwitchEvent;
// docs/audit.md "Identity key changes"): a log follows a chain of keys, each
// change signed by the key before it and its first checkpoint by both; Open
// and VerifyExport refuse a change the current key did not sign, a
// checkpoint by a key the chain does not reach, a chain that goes back, a
// replayed change and a truncated export.
#include <filesystem>
#include <fstream>
#include <optional>

#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/merkle_frontier.h"
#include "crypto/signed_note.h"
#include "fedlink/v1/audit.pb.h"
#include "gtest/gtest.h"
#include "node/audit/audit_log.h"
#include "node/store/sqlite.h"

namespace fedlink::audit {
namespace {

class IdentityChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::path(::testing::TempDir()) /
            ("identity-change-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    k0_ = *crypto::SigningKey::Generate("police");
    k1_ = *crypto::SigningKey::Generate("police");
    k2_ = *crypto::SigningKey::Generate("police");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static Event Entry(int i) {
    Event e;
    e.event = "match.evaluate.answered";
    e.requester = "ngo";
    e.count = static_cast<uint64_t>(i);
    return e;
  }
  // 6 entries under k0, a change to k1, 4 entries under k1; returns the
  // change's index.
  uint64_t SwitchedLog() {
    auto log = *AuditLog::Open(dir_, k0_.get());
    for (int i = 0; i < 6; ++i) {
      EXPECT_TRUE(log->Append(Entry(i)).ok());
      if (i == 2) {
        EXPECT_TRUE(log->Checkpoint().ok());
      }
    }
    auto index = log->SwitchIdentity(k1_.get());
    EXPECT_TRUE(index.ok()) << index.status();
    EXPECT_EQ(log->signer(), k1_.get());
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(log->Append(Entry(10 + i)).ok());
    EXPECT_TRUE(log->Checkpoint().ok());
    return index.ok() ? *index : 0;
  }
  std::unique_ptr<store::sqlite::Database> RawDb() {
    return *store::sqlite::Database::Open(dir_ + "/audit.db", {});
  }

  std::string dir_;
  std::unique_ptr<crypto::SigningKey> k0_, k1_, k2_;
};

TEST_F(IdentityChangeTest, TheLogFollowsTheChainAndSoDoesItsExport) {
  const uint64_t change = SwitchedLog();
  EXPECT_EQ(change, 6u);
  // Reopened with the new key alone (identity.key renamed), or with the old
  // one and the new one waiting (renamed not yet): the new key signs.
  auto log = AuditLog::Open(dir_, k1_.get());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->signer(), k1_.get());
  auto waiting = AuditLog::Open(dir_, k0_.get(), nullptr, k1_.get());
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_EQ((*waiting)->signer(), k1_.get());
  waiting->reset();
  // The old key alone, or a key the chain does not reach: refused.
  auto old_only = AuditLog::Open(dir_, k0_.get());
  EXPECT_TRUE(absl::IsDataLoss(old_only.status())) << old_only.status();
  EXPECT_NE(old_only.status().message().find("it is signed by " + k1_->VerifierKey()),
            std::string::npos)
      << old_only.status();
  EXPECT_TRUE(absl::IsDataLoss(AuditLog::Open(dir_, k2_.get()).status()));

  const std::string bytes = *(*log)->Export();
  auto verified = VerifyExport(bytes);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->entries, 11u);
  EXPECT_EQ(verified->identity_vkeys,
            (std::vector<std::string>{k0_->VerifierKey(), k1_->VerifierKey()}));
  // Anchored in either key a roster named; not in a key of neither.
  EXPECT_TRUE(VerifyExport(bytes, k0_->VerifierKey()).ok());
  EXPECT_TRUE(VerifyExport(bytes, k1_->VerifierKey()).ok());
  EXPECT_TRUE(absl::IsPermissionDenied(VerifyExport(bytes, k2_->VerifierKey()).status()));

  // The change entry, and the first checkpoint after it signed by both keys.
  fedlink::v1::AuditExport in;
  ASSERT_TRUE(in.ParseFromString(bytes));
  EXPECT_EQ(in.identity_vkey(), k1_->VerifierKey());
  fedlink::v1::AuditEntry e;
  ASSERT_TRUE(e.ParseFromString(in.entries(6)));
  EXPECT_EQ(e.event(), kIdentitySwitchEvent);
  EXPECT_EQ(e.old_identity_vkey(), k0_->VerifierKey());
  EXPECT_EQ(e.new_identity_vkey(), k1_->VerifierKey());
  bool found = false;
  for (const std::string& note : in.checkpoints()) {
    auto cp = crypto::checkpoint::Checkpoint::ParseBody(crypto::note::Parse(note)->text);
    if (cp->size != 7) continue;
    found = true;
    EXPECT_TRUE(
        crypto::checkpoint::Verify(note, *crypto::Verifier::Parse(k0_->VerifierKey())).ok());
    EXPECT_TRUE(
        crypto::checkpoint::Verify(note, *crypto::Verifier::Parse(k1_->VerifierKey())).ok());
  }
  EXPECT_TRUE(found) << "no checkpoint of size 7 right after the change";
  // A second change, to k2, and the chain grows.
  ASSERT_TRUE((*log)->SwitchIdentity(k2_.get()).ok());
  auto two = VerifyExport(*(*log)->Export(), k0_->VerifierKey());
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->identity_vkeys.size(), 3u);
}

TEST_F(IdentityChangeTest, ACrashBeforeTheChangesCheckpointIsFinishedByTheNextOpen) {
  const uint64_t change = SwitchedLog();
  // As if the process died after the change entry's commit: no checkpoint
  // covers it, the head record is the one before.
  {
    auto db = RawDb();
    ASSERT_TRUE(db->Exec("DELETE FROM entries WHERE idx > 6").ok());
    ASSERT_TRUE(db->Exec("DELETE FROM checkpoints WHERE size > 6").ok());
    auto st = *db->Prepare("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1");
    ASSERT_TRUE(*st->Step());
    std::ofstream(dir_ + "/audit.head", std::ios::trunc) << st->ColumnText(0);
  }
  EXPECT_EQ(change, 6u);
  EXPECT_TRUE(absl::IsDataLoss(AuditLog::Open(dir_, k0_.get()).status()));  // k1 unknown
  EXPECT_TRUE(absl::IsDataLoss(AuditLog::Open(dir_, k0_.get(), nullptr, k2_.get()).status()));
  auto log = AuditLog::Open(dir_, k0_.get(), nullptr, k1_.get());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->signer(), k1_.get());  // the change is finished at the next checkpoint
  ASSERT_TRUE((*log)->Checkpoint().ok());
  log->reset();
  EXPECT_TRUE(AuditLog::Open(dir_, k1_.get()).ok());
  auto verified = VerifyExport(*(*AuditLog::Open(dir_, k1_.get()))->Export(), k0_->VerifierKey());
  ASSERT_TRUE(verified.ok()) << verified.status();
}

TEST_F(IdentityChangeTest, AnotherProcessWithTheOldKeyStopsCheckpointing) {
  auto stale = *AuditLog::Open(dir_, k0_.get());
  ASSERT_TRUE(stale->Append(Entry(0)).ok());
  ASSERT_TRUE(stale->Checkpoint().ok());
  {
    auto log = *AuditLog::Open(dir_, k0_.get());
    ASSERT_TRUE(log->SwitchIdentity(k1_.get()).ok());
  }
  // Its appends are kept; it signs nothing more with the old key.
  ASSERT_TRUE(stale->Append(Entry(1)).ok());
  auto cp = stale->Checkpoint();
  EXPECT_TRUE(absl::IsFailedPrecondition(cp.status())) << cp.status();
  EXPECT_TRUE(absl::IsFailedPrecondition(stale->SwitchIdentity(k2_.get()).status()));
  stale.reset();
  auto log = AuditLog::Open(dir_, k1_.get());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->size(), 3u);
  EXPECT_TRUE(VerifyExport(*(*log)->Export(), k0_->VerifierKey()).ok());
  // Nobody but SwitchIdentity writes a change entry.
  Event forged = Entry(9);
  forged.event = kIdentitySwitchEvent;
  EXPECT_TRUE(absl::IsInvalidArgument((*log)->Append(forged).status()));
}

TEST_F(IdentityChangeTest, AnAlteredOrMissingChangeInTheDatabaseIsRefused) {
  SwitchedLog();
  {
    auto db = RawDb();
    ASSERT_TRUE(db->Exec("DELETE FROM key_changes").ok());
  }
  // Without the index the walk meets the new key's checkpoints with the old.
  auto s = AuditLog::Open(dir_, k1_.get()).status();
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  {
    auto db = RawDb();
    auto put = *db->Prepare("INSERT INTO key_changes (idx, new_vkey) VALUES (6, ?1)");
    put->Bind(1, k2_->VerifierKey());
    ASSERT_TRUE(put->Run().ok());
  }
  s = AuditLog::Open(dir_, k2_.get()).status();
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;  // (the head record is not k2's)
  std::filesystem::remove(dir_ + "/audit.head");
  s = AuditLog::Open(dir_, k2_.get()).status();
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_NE(s.message().find("is not the identity key change recorded"), std::string::npos) << s;
}

// Exports built by hand: entries, and checkpoints signed by chosen keys.
class ForgedExportTest : public IdentityChangeTest {
 protected:
  struct Cp {
    uint64_t size;
    std::vector<const crypto::SigningKey*> signers;
  };
  static std::string Leaf(int i) {
    fedlink::v1::AuditEntry e;
    e.set_event("records.import");
    e.set_count(static_cast<uint64_t>(i));
    return e.SerializeAsString();
  }
  // A change entry at `index` from `from` to `to`, signed by `by`.
  static std::string Change(const crypto::SigningKey& from, const crypto::SigningKey& to,
                            const crypto::SigningKey& by, uint64_t index) {
    fedlink::v1::AuditEntry e;
    e.set_event(kIdentitySwitchEvent);
    e.set_old_identity_vkey(from.VerifierKey());
    e.set_new_identity_vkey(to.VerifierKey());
    e.set_transition_signature(by.Sign(
        IdentityTransitionMessage("police", e.old_identity_vkey(), e.new_identity_vkey(), index)));
    return e.SerializeAsString();
  }
  static std::string Build(const std::vector<std::string>& leaves, const std::vector<Cp>& cps,
                           const crypto::SigningKey& named) {
    fedlink::v1::AuditExport out;
    out.set_node_id("police");
    out.set_identity_vkey(named.VerifierKey());
    for (const std::string& l : leaves) out.add_entries(l);
    for (const Cp& c : cps) {
      crypto::merkle::Frontier f;
      for (uint64_t i = 0; i < c.size; ++i) f.Append(crypto::merkle::LeafHash(leaves[i]));
      crypto::checkpoint::Checkpoint cp;
      cp.origin = "police";
      cp.size = c.size;
      cp.root_hash = f.Root();
      std::string note = *crypto::checkpoint::Sign(cp, *c.signers[0]);
      for (size_t k = 1; k < c.signers.size(); ++k) {
        auto more = crypto::note::Parse(*crypto::checkpoint::Sign(cp, *c.signers[k]));
        note = *crypto::note::AddSignatures(note, more->signatures);
      }
      out.add_checkpoints(note);
    }
    return out.SerializeAsString();
  }
  static std::string Refusal(const std::string& bytes) {
    auto v = VerifyExport(bytes);
    return v.ok() ? "accepted" : std::string(v.status().message());
  }
};

TEST_F(ForgedExportTest, OnlyAChainSignedLinkByLinkIsAccepted) {
  const auto& k0 = *k0_;
  const auto& k1 = *k1_;
  const auto& k2 = *k2_;
  std::vector<std::string> leaves = {Leaf(0), Leaf(1), Change(k0, k1, k0, 2), Leaf(3)};
  // The honest shape verifies (so each refusal below is about its one change).
  auto honest = VerifyExport(Build(leaves, {{2, {&k0}}, {3, {&k0, &k1}}, {4, {&k1}}}, k1));
  ASSERT_TRUE(honest.ok()) << honest.status();
  EXPECT_EQ(honest->identity_vkeys.size(), 2u);

  // Wrong key: the change signed by the new key (or any other), not the current.
  std::vector<std::string> by_new = {Leaf(0), Leaf(1), Change(k0, k1, k1, 2), Leaf(3)};
  EXPECT_NE(Refusal(Build(by_new, {{2, {&k0}}, {3, {&k0, &k1}}, {4, {&k1}}}, k1))
                .find("entry 2: identity key change is not signed by the log's current key"),
            std::string::npos);
  // Wrong key: a change "from" a key the log never had, signed by it.
  std::vector<std::string> rogue = {Leaf(0), Leaf(1), Change(k2, k1, k2, 2), Leaf(3)};
  EXPECT_NE(Refusal(Build(rogue, {{2, {&k0}}, {3, {&k0, &k1}}, {4, {&k1}}}, k1)), "accepted");
  // Tampered: the new key swapped after signing.
  fedlink::v1::AuditEntry swapped;
  ASSERT_TRUE(swapped.ParseFromString(leaves[2]));
  swapped.set_new_identity_vkey(k2.VerifierKey());
  std::vector<std::string> tampered = {Leaf(0), Leaf(1), swapped.SerializeAsString(), Leaf(3)};
  EXPECT_NE(Refusal(Build(tampered, {{2, {&k0}}, {3, {&k0, &k2}}, {4, {&k2}}}, k2))
                .find("is not signed by the log's current key"),
            std::string::npos);
  // The first checkpoint after the change lacking the new key's signature,
  // or the old one's.
  EXPECT_NE(Refusal(Build(leaves, {{2, {&k0}}, {3, {&k0}}, {4, {&k1}}}, k1))
                .find("is not signed by the new key"),
            std::string::npos);
  EXPECT_NE(Refusal(Build(leaves, {{2, {&k0}}, {3, {&k1}}, {4, {&k1}}}, k1)), "accepted");
  // A checkpoint by a key the chain does not reach (no change at all).
  EXPECT_NE(Refusal(Build({Leaf(0), Leaf(1), Leaf(2)}, {{2, {&k0}}, {3, {&k2}}}, k2)), "accepted");
  // ... or after a change, by neither key of it.
  EXPECT_NE(Refusal(Build(leaves, {{2, {&k0}}, {3, {&k0, &k1}}, {4, {&k2}}}, k2)), "accepted");
  // The export naming a key its chain does not end at.
  EXPECT_NE(Refusal(Build(leaves, {{2, {&k0}}, {3, {&k0, &k1}}, {4, {&k1}}}, k0))
                .find("its log's chain of keys ends at"),
            std::string::npos);
  // A chain that goes back: k0 -> k1 -> k0.
  std::vector<std::string> back = {Leaf(0), Change(k0, k1, k0, 1), Leaf(2), Change(k1, k0, k1, 3)};
  EXPECT_NE(
      Refusal(Build(back, {{1, {&k0}}, {2, {&k0, &k1}}, {4, {&k1, &k0}}}, k0)).find("goes back to"),
      std::string::npos);
  // Replayed: the k0 -> k1 change copied to a later index (its signature
  // names index 2), or again after the log moved to k1.
  std::vector<std::string> moved = {Leaf(0), Leaf(1), Leaf(3), Change(k0, k1, k0, 2)};
  EXPECT_NE(Refusal(Build(moved, {{3, {&k0}}, {4, {&k0, &k1}}}, k1))
                .find("is not signed by the log's current key"),
            std::string::npos);
  std::vector<std::string> again = leaves;
  again.push_back(Change(k0, k1, k0, 2));
  EXPECT_NE(Refusal(Build(again, {{2, {&k0}}, {3, {&k0, &k1}}, {5, {&k1}}}, k1))
                .find("is not from the log's current key"),
            std::string::npos);
  // Truncated: cut before the change's checkpoint (entries uncovered), or
  // cut before the change while naming the new key.
  EXPECT_NE(Refusal(Build(leaves, {{2, {&k0}}}, k1)), "accepted");
  EXPECT_NE(Refusal(Build({Leaf(0), Leaf(1)}, {{2, {&k0}}}, k1)), "accepted");
}

// A long chain (a peer's export may carry any number of changes) verifies
// link by link, each new key checked against every key before it in one
// set look-up (it was a walk over the chain per change: quadratic in the
// changes); a change back to the very first key is still refused.
TEST_F(ForgedExportTest, ALongChainVerifiesAndGoingBackToItsFirstKeyIsRefused) {
  constexpr int kChanges = 40;
  std::vector<std::unique_ptr<crypto::SigningKey>> keys;
  for (int i = 0; i <= kChanges; ++i) keys.push_back(*crypto::SigningKey::Generate("police"));
  // Leaf 0, then one change a leaf: change i at index i, from key i-1 to i;
  // a checkpoint after each by the key before it and the one after.
  std::vector<std::string> leaves = {Leaf(0)};
  std::vector<Cp> cps = {{1, {keys[0].get()}}};
  for (int i = 1; i <= kChanges; ++i) {
    leaves.push_back(Change(*keys[i - 1], *keys[i], *keys[i - 1], i));
    cps.push_back({static_cast<uint64_t>(i + 1), {keys[i - 1].get(), keys[i].get()}});
  }
  auto chain = VerifyExport(Build(leaves, cps, *keys[kChanges]));
  ASSERT_TRUE(chain.ok()) << chain.status();
  EXPECT_EQ(chain->identity_vkeys.size(), size_t{kChanges + 1});
  // One more change, back to the first key.
  leaves.push_back(Change(*keys[kChanges], *keys[0], *keys[kChanges], kChanges + 1));
  cps.push_back({kChanges + 2, {keys[kChanges].get(), keys[0].get()}});
  EXPECT_NE(Refusal(Build(leaves, cps, *keys[0])).find("goes back to"), std::string::npos);
}

TEST_F(IdentityChangeTest, ARealExportWithTheChangeEntryAlteredOrRemovedIsRefused) {
  SwitchedLog();
  const std::string bytes = *(*AuditLog::Open(dir_, k1_.get()))->Export();
  fedlink::v1::AuditExport in;
  ASSERT_TRUE(in.ParseFromString(bytes));
  fedlink::v1::AuditExport removed = in;
  removed.mutable_entries()->DeleteSubrange(6, 1);
  EXPECT_FALSE(VerifyExport(removed.SerializeAsString()).ok());
  fedlink::v1::AuditEntry e;
  ASSERT_TRUE(e.ParseFromString(in.entries(6)));
  std::string sig = e.transition_signature();
  sig[0] ^= 1;
  e.set_transition_signature(sig);
  fedlink::v1::AuditExport altered = in;
  altered.set_entries(6, e.SerializeAsString());
  EXPECT_FALSE(VerifyExport(altered.SerializeAsString()).ok());
}

}  // namespace
}  // namespace fedlink::audit
