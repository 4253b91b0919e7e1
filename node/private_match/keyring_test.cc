// The keyring alone: a node directory with no policy, budget or responder.
#include "node/private_match/keyring.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/private_match/tag_table.h"
#include "node/private_match/testing_node_dir.h"

namespace fedlink::private_match {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr match::keyspec::KeyType kPhone = match::keyspec::KeyType::kPhone;
const KeyGeneration kKey{3, 0};
const std::vector<KeyGeneration> kKeys = {kKey};
const std::vector<std::string> kNgo = {"ngo"};

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
  EXPECT_EQ(first->HandleFor("ngo", kKey, "v-1"), second->HandleFor("ngo", kKey, "v-1"));
  EXPECT_EQ(Output(**first->KeyFor("victim-dedup", 3, 0, kPhone)),
            Output(**second->KeyFor("victim-dedup", 3, 0, kPhone)));
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
  const std::string h1 = keyring->HandleFor("ngo", kKey, "v-1");
  EXPECT_THAT(h1, MatchesRegex("h[0-9a-f]{20}"));
  EXPECT_EQ(keyring->HandleFor("ngo", kKey, "v-1"), h1);
  EXPECT_NE(keyring->HandleFor("ngo", kKey, "v-2"), h1);
  EXPECT_THAT(h1, Not(HasSubstr("v-1")));
  auto resolved = keyring->Resolve(store.get(), kNgo, kKeys, h1);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->external_id, "v-1");
  EXPECT_EQ(resolved->requester, "ngo");
  EXPECT_EQ(keyring->Resolve(store.get(), kNgo, kKeys, "h00000000000000000000").status().code(),
            absl::StatusCode::kNotFound);
  auto all = keyring->AllHandles(store.get(), kNgo, kKeys);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(*all, UnorderedElementsAre(Pair(h1, "v-1"),
                                         Pair(keyring->HandleFor("ngo", kKey, "v-2"), "v-2")));
}

// Finding 6 of issue 14: a record gave every peer the same handle, forever.
TEST_F(KeyringTest, TwoRequestersGetUnrelatedHandlesForOneRecord) {
  auto keyring = Open();
  ASSERT_NE(keyring, nullptr);
  auto store = Store({"v-1", "v-2"});
  const std::string ngo = keyring->HandleFor("ngo", kKey, "v-1");
  const std::string shelter = keyring->HandleFor("shelter", kKey, "v-1");
  EXPECT_NE(ngo, shelter);
  // Unrelated: no common stretch beyond chance (the first two digits are a
  // tag of requester and key generation, equal for 1 pair in 256).
  EXPECT_NE(ngo.substr(3), shelter.substr(3));
  // Each resolves only as issued to its own requester.
  const std::vector<std::string> both = {"ngo", "shelter"};
  EXPECT_EQ(keyring->Resolve(store.get(), both, kKeys, shelter)->requester, "shelter");
  EXPECT_EQ(keyring->Resolve(store.get(), both, kKeys, ngo)->requester, "ngo");
  EXPECT_EQ(keyring->Resolve(store.get(), {"shelter"}, kKeys, ngo).status().code(),
            absl::StatusCode::kNotFound);
  // One lookup finds many handles, each with its requester, in one pass.
  const std::vector<std::string> handles = {shelter, "h00000000000000000000", ngo,
                                            keyring->HandleFor("ngo", kKey, "v-2")};
  const HandleLookup lookup = keyring->LookupFor(both, kKeys, handles);
  std::vector<HandleLookup::Found> found;
  lookup.Find("v-1", &found);
  ASSERT_EQ(found.size(), 2u);
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.handle < b.handle; });
  EXPECT_EQ(found[0].handle, 0u);
  EXPECT_EQ(both[found[0].requester], "shelter");
  EXPECT_EQ(found[1].handle, 2u);
  EXPECT_EQ(both[found[1].requester], "ngo");
  found.clear();
  lookup.Find("v-2", &found);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].handle, 3u);
}

TEST_F(KeyringTest, EveryEpochAndKeyGenerationGivesNewHandles) {
  auto keyring = Open();
  ASSERT_NE(keyring, nullptr);
  const std::string h = keyring->HandleFor("ngo", kKey, "v-1");
  EXPECT_NE(keyring->HandleFor("ngo", {kKey.epoch + 1, kKey.generation}, "v-1"), h);
  EXPECT_NE(keyring->HandleFor("ngo", {kKey.epoch, kKey.generation + 1}, "v-1"), h);
}

// A handle resolves while its key generation was in force in the last 7
// days: a new generation (a re-keying, a new epoch) gives new handles, and
// the previous one's keep resolving for 7 days after it ended.
TEST_F(KeyringTest, HandlesOfAnEndedKeyGenerationResolveForSevenDaysMore) {
  auto keyring = Open();
  ASSERT_NE(keyring, nullptr);
  auto store = Store({"v-1"});
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  const auto live = [&] {
    auto keys = keyring->LiveGenerations(now, 7);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return keys.value_or(std::vector<KeyGeneration>{});
  };
  const auto resolves = [&](const std::string& handle) {
    return keyring->Resolve(store.get(), kNgo, live(), handle).ok();
  };
  const KeyGeneration first{EpochAt(now), 0};
  EXPECT_EQ(live().front(), first);
  const std::string old_handle = keyring->HandleFor("ngo", first, "v-1");
  EXPECT_TRUE(resolves(old_handle));

  now += absl::Hours(1);
  ASSERT_TRUE(keyring->Rekey(now).ok());
  const KeyGeneration second{EpochAt(now), 1};
  const std::string new_handle = keyring->HandleFor("ngo", second, "v-1");
  EXPECT_NE(new_handle, old_handle);
  EXPECT_EQ(live().front(), second);  // the current one first
  EXPECT_TRUE(resolves(new_handle));
  EXPECT_TRUE(resolves(old_handle));

  now += kHandleLifetime - absl::Seconds(1);  // 7 days after the re-keying, less a second
  EXPECT_TRUE(resolves(old_handle));
  now += absl::Seconds(1);
  EXPECT_FALSE(resolves(old_handle));
  // Generation 1 is still in force: its handles resolve, in every epoch
  // since (a new one began within the 7 days), until 7 days after it ends.
  EXPECT_TRUE(resolves(new_handle));
  EXPECT_TRUE(resolves(keyring->HandleFor("ngo", {EpochAt(now), 1}, "v-1")));
  ASSERT_TRUE(keyring->Rekey(now).ok());
  now += kHandleLifetime;
  EXPECT_FALSE(resolves(new_handle));
  for (const KeyGeneration& key : live()) EXPECT_EQ(key.generation, 2);
}

// fedlink before per-generation handles wrote only the generation: it
// counts as in force since ever, and the first re-keying notes the rest.
TEST_F(KeyringTest, AGenerationFileWithoutHistoryStillWorks) {
  std::ofstream(paths_.oprf_generation()) << "3\n";
  auto keyring = Open();
  ASSERT_NE(keyring, nullptr);
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  const int64_t epoch = EpochAt(now);
  EXPECT_EQ(*keyring->Generation(), 3);
  // In force since ever: in this epoch and the one before (7 days back).
  EXPECT_THAT(*keyring->LiveGenerations(now, 7),
              ElementsAre(KeyGeneration{epoch, 3}, KeyGeneration{epoch - 1, 3}));
  ASSERT_TRUE(keyring->Rekey(now).ok());
  EXPECT_EQ(*keyring->Generation(), 4);
  EXPECT_THAT(
      *keyring->LiveGenerations(now, 7),
      ElementsAre(KeyGeneration{epoch, 4}, KeyGeneration{epoch - 1, 3}, KeyGeneration{epoch, 3}));
  // The first line is still the generation alone, as older readers expect.
  std::ifstream in(paths_.oprf_generation());
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "4");
}

TEST_F(KeyringTest, ACorruptGenerationHistoryIsDataLoss) {
  auto keyring = Open();
  ASSERT_NE(keyring, nullptr);
  for (const char* corrupt : {"2\n1 x\n", "2\n3 100\n", "2\n1 100\n1 200\n", "2\n1\n"}) {
    std::ofstream(paths_.oprf_generation(), std::ios::trunc) << corrupt;
    EXPECT_EQ(keyring->LiveGenerations(absl::Now(), 7).status().code(), absl::StatusCode::kDataLoss)
        << corrupt;
  }
}

TEST_F(KeyringTest, RemembersOnlyTheGenerationsWhoseHandlesMayStillResolve) {
  auto keyring = Open();
  ASSERT_NE(keyring, nullptr);
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(keyring->Rekey(now).ok());
    now += absl::Hours(24);
  }
  // 30 re-keyings a day apart: generations 23..30 ended less than 7 days
  // before the last began, or are current; 0..22 are forgotten.
  std::ifstream in(paths_.oprf_generation());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 8) << text;
}

TEST_F(KeyringTest, AnotherSeedGivesOtherHandles) {
  auto ours = Open();
  ASSERT_NE(ours, nullptr);
  const common::NodePaths other_paths(dir_ + "/other");
  std::filesystem::create_directories(other_paths.dir);
  auto theirs = Keyring::Open(other_paths);
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_NE((*theirs)->HandleFor("ngo", kKey, "v-1"), ours->HandleFor("ngo", kKey, "v-1"));
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

TEST_F(KeyringTest, KeysDifferPerPurposeEpochGenerationAndKeyType) {
  auto keyring = Open();
  ASSERT_NE(keyring, nullptr);
  const std::string base = Output(**keyring->KeyFor("victim-dedup", 3, 0, kPhone));
  EXPECT_EQ(Output(**keyring->KeyFor("victim-dedup", 3, 0, kPhone)), base);
  EXPECT_NE(Output(**keyring->KeyFor("perpetrator-link", 3, 0, kPhone)), base);
  EXPECT_NE(Output(**keyring->KeyFor("victim-dedup", 4, 0, kPhone)), base);
  // One key per key type: an element evaluated as another type than it is
  // gives another output.
  EXPECT_NE(Output(**keyring->KeyFor("victim-dedup", 3, 0, match::keyspec::KeyType::kNameDob)),
            base);
  auto keys = keyring->KeysFor("victim-dedup", 3, 0);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(Output(*(*keys)[static_cast<int>(kPhone)]), base);
  // Rekey changes the key every table is built under.
  ASSERT_TRUE(keyring->Rekey().ok());
  auto generation = keyring->Generation();
  ASSERT_TRUE(generation.ok());
  EXPECT_NE(Output(**keyring->KeyFor("victim-dedup", 3, *generation, kPhone)), base);
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
