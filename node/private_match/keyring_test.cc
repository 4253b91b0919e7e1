// The keyring alone: a node directory with no policy, budget or responder.
#include "node/private_match/keyring.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/private_match/testing_node_dir.h"

namespace fedlink::private_match {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class KeyringTest : public NodeDirTest {
 protected:
  KeyringTest() : NodeDirTest("keyring") {}

  std::unique_ptr<Keyring> Open() {
    auto keyring = Keyring::Open(paths_);
    EXPECT_TRUE(keyring.ok()) << keyring.status();
    return keyring.ok() ? *std::move(keyring) : nullptr;
  }
  std::unique_ptr<store::RecordStore> Store(const std::vector<std::string>& external_ids) {
    auto store = store::OpenRecordStore(paths_.database(), {.create = true});
    EXPECT_TRUE(store.ok()) << store.status();
    std::vector<record::Person> persons;
    for (const std::string& id : external_ids) {
      record::Person p;
      p.external_id = id;
      p.role = record::Role::kVictim;
      p.given_name = "Maria";
      p.family_name = "Ivanova";
      persons.push_back(p);
    }
    EXPECT_TRUE((*store)->Upsert(persons).ok());
    return *std::move(store);
  }
  static std::string Output(const crypto::oprf::OprfKey& key) {
    auto out = key.Evaluate("fedlink keyring test input");
    EXPECT_TRUE(out.ok()) << out.status();
    return std::string(reinterpret_cast<const char*>(out->data()), out->size());
  }
};

TEST_F(KeyringTest, CreatesA0600SeedOnFirstUseAndKeepsIt) {
  auto first = Open();
  ASSERT_NE(first, nullptr);
  struct stat st;
  ASSERT_EQ(stat(paths_.oprf_seed().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  auto second = Open();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->HandleFor("v-1"), second->HandleFor("v-1"));
  EXPECT_EQ(Output(**first->KeyFor("victim-dedup", 3, 0)),
            Output(**second->KeyFor("victim-dedup", 3, 0)));
}

TEST_F(KeyringTest, RefusesASeedFileOthersMayRead) {
  ASSERT_NE(Open(), nullptr);
  ASSERT_EQ(chmod(paths_.oprf_seed().c_str(), 0640), 0);
  auto keyring = Keyring::Open(paths_);
  EXPECT_EQ(keyring.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(keyring.status().message(), HasSubstr("oprf.seed"));
}

TEST_F(KeyringTest, RefusesATruncatedSeed) {
  { std::ofstream(paths_.oprf_seed()) << "short"; }
  ASSERT_EQ(chmod(paths_.oprf_seed().c_str(), 0600), 0);
  EXPECT_EQ(Keyring::Open(paths_).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(KeyringTest, HandlesAreStableOpaqueAndResolvable) {
  auto keyring = Open();
  ASSERT_NE(keyring, nullptr);
  auto store = Store({"v-1", "v-2"});
  const std::string h1 = keyring->HandleFor("v-1");
  EXPECT_THAT(h1, MatchesRegex("h[0-9a-f]{20}"));
  EXPECT_EQ(keyring->HandleFor("v-1"), h1);
  EXPECT_NE(keyring->HandleFor("v-2"), h1);
  EXPECT_THAT(h1, Not(HasSubstr("v-1")));
  auto resolved = keyring->Resolve(store.get(), h1);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(*resolved, "v-1");
  EXPECT_EQ(keyring->Resolve(store.get(), "h00000000000000000000").status().code(),
            absl::StatusCode::kNotFound);
  auto all = keyring->AllHandles(store.get());
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(*all, UnorderedElementsAre(Pair(h1, "v-1"), Pair(keyring->HandleFor("v-2"), "v-2")));
}

TEST_F(KeyringTest, AnotherSeedGivesOtherHandles) {
  auto ours = Open();
  ASSERT_NE(ours, nullptr);
  const common::NodePaths other_paths(dir_ + "/other");
  std::filesystem::create_directories(other_paths.dir);
  auto theirs = Keyring::Open(other_paths);
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_NE((*theirs)->HandleFor("v-1"), ours->HandleFor("v-1"));
}

TEST_F(KeyringTest, GenerationStartsAtZeroAndRekeyBumpsIt) {
  auto keyring = Open();
  ASSERT_NE(keyring, nullptr);
  EXPECT_EQ(*keyring->Generation(), 0);
  ASSERT_TRUE(keyring->Rekey().ok());
  EXPECT_EQ(*keyring->Generation(), 1);
  // A re-keying by another process (no keyring open) is seen at once.
  ASSERT_TRUE(Keyring::Rekey(paths_).ok());
  EXPECT_EQ(*keyring->Generation(), 2);
}

TEST_F(KeyringTest, KeysDifferPerPurposeEpochAndGeneration) {
  auto keyring = Open();
  ASSERT_NE(keyring, nullptr);
  const std::string base = Output(**keyring->KeyFor("victim-dedup", 3, 0));
  EXPECT_EQ(Output(**keyring->KeyFor("victim-dedup", 3, 0)), base);
  EXPECT_NE(Output(**keyring->KeyFor("perpetrator-link", 3, 0)), base);
  EXPECT_NE(Output(**keyring->KeyFor("victim-dedup", 4, 0)), base);
  // Rekey changes the key every table is built under.
  ASSERT_TRUE(keyring->Rekey().ok());
  auto generation = keyring->Generation();
  ASSERT_TRUE(generation.ok());
  EXPECT_NE(Output(**keyring->KeyFor("victim-dedup", 3, *generation)), base);
}

TEST_F(KeyringTest, ACorruptGenerationFileIsDataLoss) {
  auto keyring = Open();
  ASSERT_NE(keyring, nullptr);
  for (const char* corrupt : {"not a number\n", "-3\n"}) {
    std::ofstream(paths_.oprf_generation(), std::ios::trunc) << corrupt;
    auto generation = keyring->Generation();
    EXPECT_EQ(generation.status().code(), absl::StatusCode::kDataLoss) << corrupt;
    EXPECT_THAT(generation.status().message(), HasSubstr("oprf.generation"));
    // Re-keying would lose count: refused too, and the file is left as is.
    EXPECT_EQ(Keyring::Rekey(paths_).code(), absl::StatusCode::kDataLoss);
  }
}

TEST_F(KeyringTest, SlotIdsAreStablePerTableAndPeerAndUnlinkableAcross) {
  auto keyring = Open();
  ASSERT_NE(keyring, nullptr);
  const uint64_t slot = keyring->SlotId("police|victim-dedup|3|0", "ngo", "v-1");
  EXPECT_EQ(keyring->SlotId("police|victim-dedup|3|0", "ngo", "v-1"), slot);
  EXPECT_NE(keyring->SlotId("police|victim-dedup|3|0", "shelter", "v-1"), slot);
  EXPECT_NE(keyring->SlotId("police|victim-dedup|3|1", "ngo", "v-1"), slot);
  EXPECT_NE(keyring->SlotId("police|victim-dedup|3|0", "ngo", "v-2"), slot);
}

}  // namespace
}  // namespace fedlink::private_match
