#include "node/private_match/tag_table.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/match/generator.h"

namespace fedlink::private_match {
namespace {

using match::keyspec::Key;
using match::keyspec::KeyType;

Key MakeKey(KeyType type, const std::string& value) {
  return {type, std::string("fedlink/keyspec/v1|") + match::keyspec::Info(type).name + "|" + value};
}

// Requester-side outputs through the real blind / evaluate / finalize path.
std::vector<crypto::oprf::Output> Outputs(const crypto::oprf::OprfKey& server,
                                          const std::vector<Key>& keys) {
  std::vector<crypto::oprf::Output> out;
  for (const Key& k : keys) {
    auto b = crypto::oprf::Blind(k.bytes);
    auto e = server.BlindEvaluate(
        absl::string_view(reinterpret_cast<const char*>(b->element.data()), 32));
    out.push_back(*crypto::oprf::Finalize(
        k.bytes, b->blind, absl::string_view(reinterpret_cast<const char*>(e->data()), 32)));
  }
  return out;
}

class TagTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = crypto::oprf::OprfKey::Generate();
    record_.keys = {MakeKey(KeyType::kPhone, "+447700900001"), MakeKey(KeyType::kEmail, "a@x.org"),
                    MakeKey(KeyType::kNameDob, "ana|lee|19900101"),
                    MakeKey(KeyType::kNames, "ana|lee")};
    record_.payload = "handle=H1;role=victim";
    record_.slot_id = 0x1111;
    SourceRecord other;
    other.slot_id = 0x2222;
    other.keys = {MakeKey(KeyType::kPhone, "+447700900002"), MakeKey(KeyType::kEmail, "b@x.org")};
    other.payload = "handle=H2";
    auto table = BuildTable(*key_, "resp|victim-dedup|42", 2, {record_, other});
    ASSERT_TRUE(table.ok()) << table.status();
    table_bytes_ = table->bytes();
    entries_ = 0;
    for (const auto& s : table->slots) entries_ += s.key_count();
    table_ = *table;
    auto index = TableIndex::Build(*std::move(table));
    ASSERT_TRUE(index.ok());
    index_ = std::make_unique<TableIndex>(*std::move(index));
  }

  std::unique_ptr<crypto::oprf::OprfKey> key_;
  SourceRecord record_;
  std::unique_ptr<TableIndex> index_;
  Table table_;  // what the index was built from
  size_t table_bytes_ = 0, entries_ = 0;
};

TEST_F(TagTableTest, EntriesAre24Bytes) {
  EXPECT_EQ(entries_, 6u);
  size_t entry_bytes = 0;
  for (const auto& s : table_.slots) entry_bytes += s.entries.size();
  EXPECT_EQ(entry_bytes, 6 * kEntrySize);
  EXPECT_EQ(kEntrySize, 24u);
  EXPECT_EQ(index_->entry_count(), 6u);
  EXPECT_EQ(index_->slot_count(), 2u);
}

TEST_F(TagTableTest, TAgreeingKeysRevealThePayload) {
  std::vector<Key> mine = {MakeKey(KeyType::kPhone, "+447700900001"),
                           MakeKey(KeyType::kNameDob, "ana|lee|19900101"),
                           MakeKey(KeyType::kHandle, "unrelated")};
  auto reveals = MatchRecord(*index_, mine, Outputs(*key_, mine));
  ASSERT_EQ(reveals.size(), 1u);
  EXPECT_EQ(reveals[0].payload, "handle=H1;role=victim");
  EXPECT_EQ(reveals[0].agreeing_keys, 2);
  EXPECT_EQ(reveals[0].pattern, (1u << static_cast<int>(KeyType::kPhone)) |
                                    (1u << static_cast<int>(KeyType::kNameDob)));
}

TEST_F(TagTableTest, FewerThanTAgreeingKeysOpenNothing) {
  std::vector<Key> mine = {MakeKey(KeyType::kPhone, "+447700900001"),
                           MakeKey(KeyType::kNameDob, "ana|lee|19910101")};
  EXPECT_TRUE(MatchRecord(*index_, mine, Outputs(*key_, mine)).empty());
}

TEST_F(TagTableTest, ATableIsUselessWithoutTheRespondersKey) {
  // Outputs under another key (or plain hashes) never hit.
  auto other_key = crypto::oprf::OprfKey::Generate();
  EXPECT_TRUE(MatchRecord(*index_, record_.keys, Outputs(*other_key, record_.keys)).empty());
  // With the right key the whole record opens.
  EXPECT_EQ(MatchRecord(*index_, record_.keys, Outputs(*key_, record_.keys)).size(), 1u);
}

TEST_F(TagTableTest, ATamperedShareFailsToOpenRatherThanRevealingGarbage) {
  Table copy = table_;
  copy.slots[0].entries[kTagSize + 3] ^= 0x40;  // first share of the record
  auto tampered = TableIndex::Build(copy);
  ASSERT_TRUE(tampered.ok());
  std::vector<Key> mine = {record_.keys[0], record_.keys[1]};  // positions 0 and 1
  EXPECT_TRUE(MatchRecord(*tampered, mine, Outputs(*key_, mine)).empty());
}

TEST_F(TagTableTest, RejectsMalformedTables) {
  Table bad = table_;
  bad.slots[0].entries.pop_back();
  EXPECT_FALSE(TableIndex::Build(bad).ok());
  Table no_payload = table_;
  no_payload.slots[1].sealed_payload = "x";
  EXPECT_FALSE(TableIndex::Build(no_payload).ok());
  Table zero_t = table_;
  zero_t.t = 0;
  EXPECT_FALSE(TableIndex::Build(zero_t).ok());
  Table repeated_id = table_;
  repeated_id.slots[1].id = repeated_id.slots[0].id;
  EXPECT_FALSE(TableIndex::Build(repeated_id).ok());
}

TEST_F(TagTableTest, APayloadIsBoundToItsSlotId) {
  // A slot presented under another id (a delta replaying one record's slot
  // as another's) opens nothing.
  Table moved = table_;
  moved.slots[0].id = 0x3333;
  auto index = TableIndex::Build(moved);
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->SlotId(0), 0x3333u);
  EXPECT_TRUE(MatchRecord(*index, record_.keys, Outputs(*key_, record_.keys)).empty());
  EXPECT_EQ(MatchRecord(*index_, record_.keys, Outputs(*key_, record_.keys)).size(), 1u);
}

TEST_F(TagTableTest, RecordsWithFewerThanTKeysAreLeftOut) {
  SourceRecord small;
  small.keys = {MakeKey(KeyType::kPhone, "+1")};
  // Two keys, but of one group (correlated name keys): still one piece of
  // evidence, so the record could never open and is left out.
  SourceRecord names_only;
  names_only.keys = {MakeKey(KeyType::kNames, "ana|lee"), MakeKey(KeyType::kNamesPhonetic, "AN|L")};
  auto table = BuildTable(*key_, "id", 2, {small, names_only});
  ASSERT_TRUE(table.ok());
  EXPECT_TRUE(table->slots.empty());
}

TEST_F(TagTableTest, CorrelatedKeysCountOnceTowardsT) {
  SourceRecord r;
  r.keys = {MakeKey(KeyType::kNames, "ana|lee"), MakeKey(KeyType::kNamesPhonetic, "AN|L"),
            MakeKey(KeyType::kNamesYear, "ana|lee|1990"),
            MakeKey(KeyType::kPhone, "+447700900001")};
  r.payload = "handle=H3";
  auto index = TableIndex::Build(*BuildTable(*key_, "id", 2, {r}));
  ASSERT_TRUE(index.ok());
  // Three agreeing name keys are one group: a namesake opens nothing.
  std::vector<Key> namesake(r.keys.begin(), r.keys.begin() + 3);
  EXPECT_TRUE(MatchRecord(*index, namesake, Outputs(*key_, namesake)).empty());
  // A name key and the phone are two independent groups: it opens.
  std::vector<Key> two = {r.keys[0], r.keys[3]};
  auto reveals = MatchRecord(*index, two, Outputs(*key_, two));
  ASSERT_EQ(reveals.size(), 1u);
  EXPECT_EQ(reveals[0].agreeing_keys, 2);
  EXPECT_EQ(reveals[0].payload, "handle=H3");
}

TEST(TagTableEndToEndTest, GeneratedPeopleMatchAcrossTwoOrganisations) {
  match::GeneratorOptions o;
  o.persons = 300;
  o.overlap = 0.5;
  match::GeneratedData d = match::GeneratePeople(o);
  auto key = crypto::oprf::OprfKey::Generate();
  std::vector<SourceRecord> source;
  for (const record::Person& p : d.b)
    source.push_back({source.size() + 1, match::keyspec::DeriveKeys(p, {}), p.external_id});
  auto index = TableIndex::Build(*BuildTable(*key, "b|dedup|1", 2, source));
  ASSERT_TRUE(index.ok());
  std::map<std::string, std::string> truth(d.truth.begin(), d.truth.end());
  int found = 0;
  for (const record::Person& p : d.a) {
    auto keys = match::keyspec::DeriveKeys(p, {});
    std::vector<crypto::oprf::Output> outputs(keys.size());
    std::vector<std::string> inputs;
    for (const auto& k : keys) inputs.push_back(k.bytes);
    ASSERT_TRUE(key->EvaluateBatch(inputs, absl::MakeSpan(outputs)).ok());
    for (const Reveal& r : MatchRecord(*index, keys, outputs)) {
      auto it = truth.find(p.external_id);
      if (it != truth.end() && it->second == r.payload) ++found;
    }
  }
  EXPECT_GT(found, static_cast<int>(truth.size() * 9 / 10));
}

}  // namespace
}  // namespace fedlink::private_match
