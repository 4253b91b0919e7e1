// The requester's paged table file: what it finds is what the table in
// memory finds; every kind of damage (a flipped byte, a truncation, pages
// swapped, a page of another file, another key) is refused as DataLoss
// naming the file, never silently read.
#include "node/private_match/paged_table.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "fedlink/v1/match.pb.h"
#include "gtest/gtest.h"
#include "node/common/whole_file.h"
#include "node/private_match/requester.h"

namespace fedlink::private_match {
namespace {

using match::keyspec::Key;
using match::keyspec::KeyType;

Key MakeKey(KeyType type, const std::string& value) {
  return {type, std::string("fedlink/keyspec/v1|") + match::keyspec::Info(type).name + "|" + value};
}

// The responder's keys of record i: its own phone and email, and a name
// shared by every 40th record (so one tag's entries span pages).
std::vector<Key> KeysOf(int i) {
  return {MakeKey(KeyType::kPhone, absl::StrFormat("+4477009%05d", i)),
          MakeKey(KeyType::kEmail, absl::StrFormat("u%d@x.org", i)),
          MakeKey(KeyType::kNames, absl::StrFormat("name%d|lee", i % 40))};
}

// A peer that evaluates with one key (the table's) in process.
class KeyTransport : public PeerTransport {
 public:
  explicit KeyTransport(const crypto::oprf::OprfKey* key) : key_(key) {}
  absl::StatusOr<Table> FetchTable(absl::string_view) override {
    return absl::UnimplementedError("no table here");
  }
  absl::Status Evaluate(absl::string_view, absl::Span<const crypto::oprf::Element> blinded,
                        absl::Span<const KeyType>, absl::Span<crypto::oprf::Element> out) override {
    for (size_t i = 0; i < blinded.size(); ++i) {
      auto e = key_->BlindEvaluate(
          absl::string_view(reinterpret_cast<const char*>(blinded[i].data()), blinded[i].size()));
      if (!e.ok()) return e.status();
      out[i] = *e;
    }
    return absl::OkStatus();
  }

 private:
  const crypto::oprf::OprfKey* key_;
};

class PagedTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Its own directory: ctest runs these tests as parallel processes.
    dir_ = ::testing::TempDir() + "/paged-table-XXXXXX";
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
    oprf_ = crypto::oprf::OprfKey::Generate();
    key_ = crypto::SealingKey::Generate();
    std::vector<SourceRecord> records;
    for (int i = 0; i < kRecords; ++i) {
      SourceRecord r;
      r.slot_id = 1000 + i;
      r.keys = KeysOf(i);
      fedlink::v1::MatchPayload payload;
      payload.set_handle(absl::StrFormat("H%d", i));
      r.payload = payload.SerializeAsString();
      records.push_back(std::move(r));
    }
    auto table = BuildTable(*oprf_, "resp|victim-dedup|42|g0|k2", 2, records, 1);
    ASSERT_TRUE(table.ok()) << table.status();
    table->version = 9;
    table->as_of = 1234;
    table->min_score = 1.5;
    table_ = *std::move(table);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const crypto::SealingKey* key) {
    const std::string path = dir_ + "/" + name;
    PagedHeader h;
    h.peer = "resp";
    h.purpose = "victim-dedup";
    h.fetched_at = 77;
    EXPECT_TRUE(PagedTable::Write(path, key, h, table_).ok());
    return path;
  }
  // Whether reading all of `path` is refused as DataLoss naming it.
  void ExpectRefused(const std::string& path, const crypto::SealingKey* key) {
    auto t = PagedTable::Open(path, key);
    absl::Status s = t.status();
    if (t.ok()) s = t->ReadAll().status();
    EXPECT_TRUE(absl::IsDataLoss(s)) << s;
    EXPECT_TRUE(IsCorruptTableFile(s)) << s;
    EXPECT_NE(s.message().find(path), std::string::npos) << s;
  }
  static std::string Page(const std::string& bytes, size_t n) {
    return bytes.substr(n * kTablePageSize, kTablePageSize);
  }

  // Every tag of the table, sorted as the A pages hold them (duplicates
  // kept: the shared name tags).
  std::vector<uint64_t> SortedTags() const {
    std::vector<uint64_t> tags;
    for (const Slot& s : table_.slots) {
      for (size_t k = 0; k < s.key_count(); ++k) {
        uint64_t tag;
        std::memcpy(&tag, s.entries.data() + k * kEntrySize, kTagSize);
        tags.push_back(tag);
      }
    }
    std::sort(tags.begin(), tags.end());
    return tags;
  }
  // A slice as comparable values: slot id -> (entries, payload).
  static std::map<uint64_t, std::pair<std::string, std::string>> Found(const Table& slice) {
    std::map<uint64_t, std::pair<std::string, std::string>> out;
    for (const Slot& s : slice.slots) out[s.id] = {s.entries, s.sealed_payload};
    return out;
  }

  static constexpr int kRecords = 700;  // 2100 entries: 16 A pages, 4 B pages
  std::string dir_;
  std::unique_ptr<crypto::oprf::OprfKey> oprf_;
  std::unique_ptr<crypto::SealingKey> key_;
  Table table_;
};

TEST_F(PagedTableTest, ReadsBackTheWholeTableAndItsHeader) {
  for (const crypto::SealingKey* key :
       std::vector<const crypto::SealingKey*>{key_.get(), nullptr}) {
    const std::string path = Write("t", key);
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto t = PagedTable::Open(path, key);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->sealed(), key != nullptr);
    EXPECT_EQ(t->header().peer, "resp");
    EXPECT_EQ(t->header().purpose, "victim-dedup");
    EXPECT_EQ(t->header().table_id, table_.table_id);
    EXPECT_EQ(t->header().version, 9u);
    EXPECT_EQ(t->header().as_of, 1234);
    EXPECT_EQ(t->header().min_score, 1.5);
    EXPECT_EQ(t->header().fetched_at, 77);
    EXPECT_EQ(t->header().slots, static_cast<uint64_t>(kRecords));
    EXPECT_EQ(t->header().entries, 3u * kRecords);
    auto all = t->ReadAll();
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_EQ(all->slots.size(), table_.slots.size());
    for (size_t i = 0; i < table_.slots.size(); ++i) {
      EXPECT_EQ(all->slots[i].id, table_.slots[i].id);
      EXPECT_EQ(all->slots[i].entries, table_.slots[i].entries);
      EXPECT_EQ(all->slots[i].sealed_payload, table_.slots[i].sealed_payload);
    }
    // Memory: the header and one fence and filter per 139 entries, not
    // the table.
    EXPECT_LT(t->memory_bytes(), 2048u + 16 * kPageFilterBytes);
  }
}

TEST_F(PagedTableTest, TheSealedFileHoldsNoTagShareOrPayloadInTheClear) {
  const std::string bytes = *common::ReadWholeFile(Write("t", key_.get()));
  for (const Slot& s : table_.slots) {
    ASSERT_EQ(bytes.find(s.entries.substr(0, kTagSize)), std::string::npos);
    ASSERT_EQ(bytes.find(s.entries.substr(kTagSize, kShareSize)), std::string::npos);
    ASSERT_EQ(bytes.find(s.sealed_payload.substr(24, 16)), std::string::npos);
  }
  EXPECT_EQ(bytes.find("victim-dedup"), std::string::npos);
}

TEST_F(PagedTableTest, SliceFindsWhatTheIndexFinds) {
  auto t = PagedTable::Open(Write("t", key_.get()), key_.get());
  ASSERT_TRUE(t.ok()) << t.status();
  auto index = TableIndex::Build(table_);
  ASSERT_TRUE(index.ok());
  // Every tag of some slots (the shared name tags span pages), and tags
  // that are in no slot.
  std::vector<uint64_t> tags = {0, ~uint64_t{0}, 12345};
  for (size_t i = 0; i < table_.slots.size(); i += 7) {
    for (size_t k = 0; k < table_.slots[i].key_count(); ++k) {
      uint64_t tag;
      std::memcpy(&tag, table_.slots[i].entries.data() + k * kEntrySize, kTagSize);
      tags.push_back(tag);
    }
  }
  std::map<uint64_t, std::set<std::string>> want;  // slot id -> tag||share entries
  std::vector<TableIndex::Hit> hits;
  for (uint64_t tag : tags) {
    index->Find(tag, &hits);
    for (const auto& h : hits) {
      want[index->SlotId(h.slot)].insert(
          std::string(reinterpret_cast<const char*>(&tag), kTagSize) +
          std::string(index->MaskedShare(h), kShareSize));
    }
  }
  auto slice = t->Slice(tags);
  ASSERT_TRUE(slice.ok()) << slice.status();
  std::map<uint64_t, std::set<std::string>> got;
  for (const Slot& s : slice->slots) {
    for (size_t k = 0; k < s.key_count(); ++k)
      got[s.id].insert(s.entries.substr(k * kEntrySize, kEntrySize));
    EXPECT_EQ(s.sealed_payload, table_.slots[s.id - 1000].sealed_payload);
  }
  EXPECT_GT(want.size(), 100u);
  EXPECT_EQ(got, want);
  EXPECT_EQ(slice->table_id, table_.table_id);
  EXPECT_EQ(slice->t, 2);
  EXPECT_TRUE(t->Slice({}).value().slots.empty());
}

TEST_F(PagedTableTest, MatchingThroughThePagesFindsWhatTheTableInMemoryFinds) {
  auto t = PagedTable::Open(Write("t", key_.get()), key_.get());
  ASSERT_TRUE(t.ok()) << t.status();
  auto index = TableIndex::Build(table_);
  ASSERT_TRUE(index.ok());
  // Queries: some agree on two keys (revealed), some on the shared name
  // only (below t), some on nothing.
  std::vector<match::KeySet> queries;
  for (int i = 0; i < 90; ++i) {
    match::KeySet q;
    if (i % 3 == 0) q = KeysOf(i * 7);
    if (i % 3 == 1) q = {KeysOf(i * 7)[2], MakeKey(KeyType::kPhone, "+440000000")};
    if (i % 3 == 2) q = {MakeKey(KeyType::kEmail, absl::StrFormat("none%d@x.org", i))};
    queries.push_back(q);
  }
  KeyTransport peer(oprf_.get());
  MatchOptions options;
  options.batch = 16;  // many chunks, each its own slice
  options.threads = 1;
  auto memory = MatchAgainst(*index, peer, "victim-dedup", queries, options);
  auto paged = MatchAgainst(*t, peer, "victim-dedup", queries, options);
  ASSERT_TRUE(memory.ok()) << memory.status();
  ASSERT_TRUE(paged.ok()) << paged.status();
  EXPECT_GE(memory->hits.size(), 25u);
  ASSERT_EQ(paged->hits.size(), memory->hits.size());
  for (size_t i = 0; i < memory->hits.size(); ++i) {
    EXPECT_EQ(paged->hits[i].query, memory->hits[i].query);
    EXPECT_EQ(paged->hits[i].handle, memory->hits[i].handle);
    EXPECT_EQ(paged->hits[i].score, memory->hits[i].score);
    EXPECT_EQ(paged->hits[i].pattern, memory->hits[i].pattern);
  }
  EXPECT_EQ(paged->table_slots, memory->table_slots);
  EXPECT_EQ(paged->slots_hit, memory->slots_hit);
  EXPECT_EQ(paged->below_t, memory->below_t);
  EXPECT_GT(paged->below_t, 0u);
  EXPECT_EQ(paged->threshold, memory->threshold);
}

// A delta: 10 slots replaced, 30 added, 50 dropped (and one id not held).
TableUpdate SomeDelta(const crypto::oprf::OprfKey& key, const Table& held) {
  std::vector<SourceRecord> records;
  for (int i = 0; i < 40; ++i) {
    SourceRecord r;
    r.slot_id = i < 10 ? 1010 + i : 1700 + i;
    r.keys = KeysOf(i < 10 ? 5000 + i : 700 + i);
    fedlink::v1::MatchPayload payload;
    payload.set_handle(absl::StrFormat("N%d", i));
    r.payload = payload.SerializeAsString();
    records.push_back(std::move(r));
  }
  TableUpdate update;
  update.table = *BuildTable(key, held.table_id, 2, records, 1);
  update.table.version = held.version + 3;
  update.table.as_of = held.as_of + 60;
  update.delta = true;
  for (uint64_t id = 1100; id < 1150; ++id) update.removed.push_back(id);
  update.removed.push_back(99999);
  update.slots_after = held.slots.size() - 10 - 50 + 40;
  return update;
}

TEST_F(PagedTableTest, ADeltaMergedPageByPageGivesWhatApplyUpdateGives) {
  const std::string path = Write("t", key_.get());
  auto held = PagedTable::Open(path, key_.get());
  ASSERT_TRUE(held.ok()) << held.status();
  const TableUpdate update = SomeDelta(*oprf_, table_);
  Table want = table_;
  ASSERT_TRUE(ApplyUpdate(update, &want).ok());
  PagedHeader h;
  h.peer = "resp";
  h.purpose = "victim-dedup";
  h.fetched_at = 88;
  // Over the held file itself, which stays readable meanwhile.
  ASSERT_TRUE(PagedTable::WriteUpdated(path, key_.get(), h, *held, update).ok());
  auto merged = PagedTable::Open(path, key_.get());
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->header().version, table_.version + 3);
  EXPECT_EQ(merged->header().fetched_at, 88);
  EXPECT_EQ(merged->header().slots, want.slots.size());
  auto got = merged->ReadAll();
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->slots.size(), want.slots.size());
  for (size_t i = 0; i < want.slots.size(); ++i) {
    EXPECT_EQ(got->slots[i].id, want.slots[i].id);
    EXPECT_EQ(got->slots[i].entries, want.slots[i].entries);
    EXPECT_EQ(got->slots[i].sealed_payload, want.slots[i].sealed_payload);
  }
  // And it is searched as the merged table in memory is.
  auto index = TableIndex::Build(want);
  ASSERT_TRUE(index.ok());
  std::vector<match::KeySet> queries;
  for (int i : {10, 11, 100, 120, 200, 5003, 5004, 710, 720, 739}) queries.push_back(KeysOf(i));
  KeyTransport peer(oprf_.get());
  MatchOptions options;
  options.threads = 1;
  auto memory = MatchAgainst(*index, peer, "victim-dedup", queries, options);
  auto paged = MatchAgainst(*merged, peer, "victim-dedup", queries, options);
  ASSERT_TRUE(memory.ok() && paged.ok());
  ASSERT_EQ(paged->hits.size(), memory->hits.size());
  EXPECT_GE(memory->hits.size(), 6u);
  for (size_t i = 0; i < memory->hits.size(); ++i) {
    EXPECT_EQ(paged->hits[i].handle, memory->hits[i].handle);
  }
}

TEST_F(PagedTableTest, ADeltaThatDoesNotApplyWritesNothing) {
  const std::string path = Write("t", key_.get());
  const std::string before = *common::ReadWholeFile(path);
  auto held = PagedTable::Open(path, key_.get());
  ASSERT_TRUE(held.ok());
  PagedHeader h;
  TableUpdate miscounted = SomeDelta(*oprf_, table_);
  miscounted.slots_after += 1;
  TableUpdate other_table = SomeDelta(*oprf_, table_);
  other_table.table.table_id = "resp|victim-dedup|43|g0|k2";
  TableUpdate older = SomeDelta(*oprf_, table_);
  older.table.version = table_.version - 1;
  TableUpdate both = SomeDelta(*oprf_, table_);
  both.removed.push_back(1010);
  for (const TableUpdate* u : {&miscounted, &other_table, &older, &both}) {
    EXPECT_TRUE(absl::IsDataLoss(PagedTable::WriteUpdated(path, key_.get(), h, *held, *u)));
    EXPECT_EQ(*common::ReadWholeFile(path), before);
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
}

// Little-endian fields of the format (paged_table.h), for forging a file.
uint64_t U64At(const std::string& s, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}
uint32_t U32At(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}
void SetU64(std::string* s, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) (*s)[at + i] = static_cast<char>(v >> (8 * i));
}

// Peak resident memory of this process, in bytes.
size_t PeakRss() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;
}

// An attacker who can write the cache directory of a node without a data
// key (clear pages, only checksummed) rewrites a file's header to claim 2^26
// slots, over a sparse file of the matching size (1.4 GB that take no disk).
// Reading it, or merging a delta into it, must fail at the first page that
// does not open, with memory for the slots the file really holds: before,
// both sized their per-slot vectors by the header's claim first (about 6 GB
// for this file, 400 GB for 2^32 slots).
TEST_F(PagedTableTest, AForgedClearHeaderClaimingHugeSlotCountsCostsNoMemory) {
  const std::string path = Write("t", nullptr);
  std::string bytes = *common::ReadWholeFile(path);
  const size_t magic = std::strlen("fedlink paged table v3\n");
  ASSERT_EQ(bytes[magic], 0);  // clear
  const uint64_t file_id = U64At(bytes, magic + 1);
  const uint64_t header_offset = U64At(bytes, magic + 9);
  const uint64_t header_len = U64At(bytes, magic + 17);
  std::string plain = bytes.substr(header_offset + 24, header_len - 24 - 16);
  // peer, purpose, table id (u32 length + bytes each), then t, min score,
  // notice, keyspec, version, as_of, fetched_at, entries, *slots*,
  // a_pages, *b_pages*, c_pages, c_bytes, fences.
  size_t at = 0;
  for (int i = 0; i < 3; ++i) at += 4 + U32At(plain, at);
  at += 4 + 8 + 4 + 4 + 8 + 8 + 8 + 8;
  const uint64_t slots = uint64_t{1} << 26;
  ASSERT_EQ(U64At(plain, at), table_.slots.size());
  const uint64_t a_pages = U64At(plain, at + 8), c_pages = U64At(plain, at + 24);
  const uint64_t b_pages = (slots + 201) / 202;
  SetU64(&plain, at, slots);
  SetU64(&plain, at + 16, b_pages);
  // The header sealed as a keyless node seals it: a BLAKE2b-128 checksum
  // over its associated data and the plaintext (no secret in it).
  const std::string ad = absl::StrCat("fedlink paged table v3 t ", file_id, " header");
  unsigned char mac[16];
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, sizeof mac);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(ad.data()), ad.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(plain.data()),
                            plain.size());
  crypto_generichash_final(&st, mac, sizeof mac);
  const std::string header =
      absl::StrCat(std::string(24, '\0'), plain, std::string(reinterpret_cast<char*>(mac), 16));
  const uint64_t new_offset = (a_pages + b_pages + c_pages + 1) * kTablePageSize;
  SetU64(&bytes, magic + 9, new_offset);
  bytes.resize(header_offset);  // the pages as they were
  {
    const int fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
    ASSERT_EQ(pwrite(fd, header.data(), header.size(), static_cast<off_t>(new_offset)),
              static_cast<ssize_t>(header.size()));
    close(fd);
  }
  auto forged = PagedTable::Open(path, nullptr);
  ASSERT_TRUE(forged.ok()) << forged.status();  // the header itself checks
  ASSERT_EQ(forged->header().slots, slots);
  const size_t peak_before = PeakRss();
  const absl::Status all = forged->ReadAll().status();
  EXPECT_TRUE(IsCorruptTableFile(all)) << all;
  const TableUpdate update = SomeDelta(*oprf_, table_);
  const absl::Status merged =
      PagedTable::WriteUpdated(dir_ + "/merged", nullptr, PagedHeader{}, *forged, update);
  EXPECT_TRUE(IsCorruptTableFile(merged)) << merged;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/merged"));
  EXPECT_LT(PeakRss(), peak_before + (size_t{256} << 20));
}

TEST_F(PagedTableTest, AFlippedByteInAnyPageOrTheHeaderIsRefused) {
  for (const crypto::SealingKey* key :
       std::vector<const crypto::SealingKey*>{key_.get(), nullptr}) {
    const std::string path = Write("t", key);
    const std::string bytes = *common::ReadWholeFile(path);
    // The preamble's offsets, an A page, a B page, the last C page, the header.
    for (size_t at : {size_t{30}, size_t{40}, kTablePageSize + 100, 17 * kTablePageSize + 50,
                      bytes.size() - kTablePageSize - 10, bytes.size() - 5}) {
      std::string flipped = bytes;
      flipped[at] ^= 0x20;
      ASSERT_TRUE(common::WriteFileAtomically(path, flipped).ok());
      SCOPED_TRACE(at);
      ExpectRefused(path, key);
    }
  }
}

TEST_F(PagedTableTest, ATruncatedFileIsRefused) {
  const std::string path = Write("t", key_.get());
  const std::string bytes = *common::ReadWholeFile(path);
  for (size_t keep : {size_t{0}, size_t{10}, kTablePageSize, bytes.size() / 2, bytes.size() - 1}) {
    ASSERT_TRUE(common::WriteFileAtomically(path, bytes.substr(0, keep)).ok());
    ExpectRefused(path, key_.get());
  }
}

TEST_F(PagedTableTest, SwappedPagesAreRefused) {
  const std::string path = Write("t", key_.get());
  const std::string bytes = *common::ReadWholeFile(path);
  std::string swapped = bytes;
  swapped.replace(2 * kTablePageSize, kTablePageSize, Page(bytes, 3));
  swapped.replace(3 * kTablePageSize, kTablePageSize, Page(bytes, 2));
  ASSERT_TRUE(common::WriteFileAtomically(path, swapped).ok());
  ExpectRefused(path, key_.get());
}

TEST_F(PagedTableTest, APageOfAnotherFileIsRefused) {
  // The same table written twice under the same name: another file id, so
  // a page of one does not open in the other (nor one of another name).
  const std::string path = Write("t", key_.get());
  const std::string first = *common::ReadWholeFile(path);
  Write("t", key_.get());
  std::string second = *common::ReadWholeFile(path);
  second.replace(5 * kTablePageSize, kTablePageSize, Page(first, 5));
  ASSERT_TRUE(common::WriteFileAtomically(path, second).ok());
  ExpectRefused(path, key_.get());
  // A whole file under another name.
  const std::string other = dir_ + "/u";
  ASSERT_TRUE(common::WriteFileAtomically(other, first).ok());
  ExpectRefused(other, key_.get());
}

TEST_F(PagedTableTest, AnotherKeyIsRefusedAndNoKeyIsAskedFor) {
  const std::string path = Write("t", key_.get());
  auto other = crypto::SealingKey::Generate();
  ExpectRefused(path, other.get());
  EXPECT_TRUE(absl::IsFailedPrecondition(PagedTable::Open(path, nullptr).status()));
}

TEST_F(PagedTableTest, ATableThatCouldNotBeIndexedIsNotWritten) {
  Table bad = table_;
  bad.slots[3].id = bad.slots[4].id;
  PagedHeader h;
  EXPECT_TRUE(absl::IsInvalidArgument(PagedTable::Write(dir_ + "/bad", key_.get(), h, bad)));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/bad"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 0);
}

// The pages' filters only spare pages: every slice is the same with them
// and without, for tags on page boundaries (the last of a page and the
// first of the next), the first and last tag of the table, tags given
// twice, the shared name tags whose entries span pages, and tags in no
// slot; and a tag in no slot opens a page far less often.
TEST_F(PagedTableTest, ThePageFiltersChangeNoSliceAndSpareMostPagesOfAbsentTags) {
  const std::string path = Write("t", key_.get());
  auto t = PagedTable::Open(path, key_.get());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->header().filter_bytes, kPageFilterBytes);
  const std::vector<uint64_t> sorted = SortedTags();
  constexpr size_t kPerPage = 139;  // A entries a page (paged_table.h)
  std::vector<uint64_t> boundary;
  for (size_t i = kPerPage; i < sorted.size(); i += kPerPage) {
    boundary.insert(boundary.end(), {sorted[i - 1], sorted[i], sorted[i - 1]});
  }
  boundary.insert(boundary.end(), {sorted.front(), sorted.back(), sorted.back()});
  ASSERT_GE(boundary.size(), 45u);
  std::mt19937_64 rng(20);
  std::vector<uint64_t> absent;
  while (absent.size() < 2000) {
    const uint64_t tag = rng();
    if (!std::binary_search(sorted.begin(), sorted.end(), tag)) absent.push_back(tag);
  }
  std::vector<uint64_t> mixed = absent;
  mixed.insert(mixed.end(), sorted.begin(), sorted.end());
  for (const std::vector<uint64_t>* tags :
       std::vector<const std::vector<uint64_t>*>{&boundary, &sorted, &absent, &mixed}) {
    t->set_filter_enabled(false);
    auto without = t->Slice(*tags);
    t->set_filter_enabled(true);
    auto with = t->Slice(*tags);
    ASSERT_TRUE(without.ok() && with.ok());
    EXPECT_EQ(Found(*with), Found(*without));
    EXPECT_EQ(with->slots.empty(), tags == &absent);
  }
  // Every slot holds a tag of `sorted`.
  EXPECT_EQ(t->Slice(sorted)->slots.size(), static_cast<size_t>(kRecords));
  // Each boundary tag alone: its slots are found (all of them: the index
  // says which).
  auto index = TableIndex::Build(table_);
  ASSERT_TRUE(index.ok());
  std::vector<TableIndex::Hit> hits;
  for (uint64_t tag : boundary) {
    index->Find(tag, &hits);
    auto one = t->Slice({tag});
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(one->slots.size(), hits.size());
  }
  // Absent tags one at a time: without filters each opens the page it
  // would be on; with them only the filters' false positives do (about
  // 17% of full pages at 64 bytes).
  size_t opened_with = 0, opened_without = 0;
  for (uint64_t tag : absent) {
    SliceStats with, without;
    t->set_filter_enabled(false);
    ASSERT_TRUE(t->Slice({tag}, &without).ok());
    t->set_filter_enabled(true);
    ASSERT_TRUE(t->Slice({tag}, &with).ok());
    opened_with += with.a_pages;
    opened_without += without.a_pages;
    EXPECT_EQ(with.other_pages + without.other_pages, 0u);
  }
  // (A tag below the first fence opens none either way.)
  EXPECT_GE(opened_without * 10, absent.size() * 9);
  EXPECT_LT(opened_with * 3, opened_without) << opened_with << " of " << opened_without;
}

TEST_F(PagedTableTest, AnEmptyTableOpensAndFindsNothing) {
  Table empty = table_;
  empty.slots.clear();
  PagedHeader h;
  h.peer = "resp";
  const std::string path = dir_ + "/empty";
  ASSERT_TRUE(PagedTable::Write(path, key_.get(), h, empty).ok());
  auto t = PagedTable::Open(path, key_.get());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->header().entries, 0u);
  SliceStats stats;
  auto slice = t->Slice({0, 1, ~uint64_t{0}, 1}, &stats);
  ASSERT_TRUE(slice.ok()) << slice.status();
  EXPECT_TRUE(slice->slots.empty());
  EXPECT_EQ(stats.a_pages + stats.other_pages, 0u);
  EXPECT_TRUE(t->ReadAll().value().slots.empty());
}

TEST_F(PagedTableTest, EveryFilterSizeFindsTheSameAndABadSizeWritesNothing) {
  const std::vector<uint64_t> tags = SortedTags();
  std::optional<std::map<uint64_t, std::pair<std::string, std::string>>> want;
  size_t last_memory = 0;
  for (uint32_t bytes : {0u, 8u, 64u, 1024u}) {
    SCOPED_TRACE(bytes);
    PagedHeader h;
    h.filter_bytes = bytes;
    const std::string path = absl::StrFormat("%s/f%d", dir_, bytes);
    ASSERT_TRUE(PagedTable::Write(path, nullptr, h, table_).ok());
    auto t = PagedTable::Open(path, nullptr);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->header().filter_bytes, bytes);
    EXPECT_GT(t->memory_bytes(), last_memory);
    last_memory = t->memory_bytes();
    // Half the tags, and as many in no slot.
    std::vector<uint64_t> some;
    for (size_t i = 0; i < tags.size(); i += 2) some.insert(some.end(), {tags[i], tags[i] ^ 1});
    auto slice = t->Slice(some);
    ASSERT_TRUE(slice.ok()) << slice.status();
    if (!want.has_value()) want = Found(*slice);
    EXPECT_EQ(Found(*slice), *want);
  }
  EXPECT_GT(want->size(), 300u);
  for (uint32_t bytes : {4u, 48u, 2048u}) {
    PagedHeader h;
    h.filter_bytes = bytes;
    EXPECT_TRUE(absl::IsInvalidArgument(PagedTable::Write(dir_ + "/bad", key_.get(), h, table_)));
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/bad"));
  }
}

// Tables looked up on two threads at once (as `lookup` asks its peers, and
// the bench spreads tables over the cores): a page altered in one table is
// refused there, as DataLoss naming that file, and the other table's slice
// is what it is alone.
TEST_F(PagedTableTest, APageAlteredInATableLookedUpOnAnotherThreadIsRefusedThere) {
  const std::string good_path = Write("good", key_.get());
  const std::string bad_path = Write("bad", key_.get());
  std::string bytes = *common::ReadWholeFile(bad_path);
  bytes[4 * kTablePageSize + 100] ^= 1;  // A page 4 (file page 0 is the preamble)
  ASSERT_TRUE(common::WriteFileAtomically(bad_path, bytes).ok());
  auto good = PagedTable::Open(good_path, key_.get());
  auto bad = PagedTable::Open(bad_path, key_.get());
  ASSERT_TRUE(good.ok() && bad.ok());  // the header opens; the page does not
  const std::vector<uint64_t> tags = SortedTags();
  const auto alone = good->Slice(tags);
  ASSERT_TRUE(alone.ok());
  for (int round = 0; round < 20; ++round) {
    absl::StatusOr<Table> from_good = absl::UnknownError("not run"), from_bad = from_good;
    std::thread other([&] { from_bad = bad->Slice(tags); });
    from_good = good->Slice(tags);
    other.join();
    ASSERT_TRUE(from_good.ok()) << from_good.status();
    EXPECT_EQ(Found(*from_good), Found(*alone));
    ASSERT_TRUE(absl::IsDataLoss(from_bad.status())) << from_bad.status();
    EXPECT_TRUE(IsCorruptTableFile(from_bad.status()));
    EXPECT_NE(from_bad.status().message().find(bad_path), std::string::npos);
  }
}

}  // namespace
}  // namespace fedlink::private_match
