// Build once, serve many: the responder evaluates each key of its records
// once per table id (TagCache), whichever peer asks, and a delta evaluates
// only the keys of the records that changed; the tables stay per peer and
// work.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "node/config/node_dir.h"
#include "node/private_match/requester.h"
#include "node/private_match/responder.h"

namespace fedlink::private_match {
namespace {

constexpr char kPolicy[] = R"pb(
  purposes: "victim-dedup"
  rules {
    name: "everyone"
    peers { any: true }
    purpose: "victim-dedup"
    record_roles: ROLE_VICTIM
    min_agreeing_keys: 2
    payload: PAYLOAD_HANDLE_AND_ROLE
    daily_evaluate_budget: 100000
  }
)pb";

record::Person Victim(int i, const std::string& phone) {
  static const char* const kGiven[] = {"Maria", "Anna", "Elena", "Iryna", "Olena", "Daria"};
  static const char* const kFamily[] = {"Ivanova", "Kowalska", "Popescu", "Bondar", "Melnyk"};
  record::Person p;
  p.external_id = absl::StrCat("v-", i);
  p.role = record::Role::kVictim;
  p.given_name = kGiven[i % 6];
  p.family_name = kFamily[i % 5];
  p.dob = {1980 + i % 20, 1 + i % 12, 1 + i % 28};
  p.phones = {phone};
  return p;
}

std::string Phone(int i) { return absl::StrCat("+4477009", 10000 + i); }

class Local : public PeerTransport {
 public:
  Local(Responder* responder, PeerIdentity peer) : responder_(responder), peer_(std::move(peer)) {}
  absl::StatusOr<Table> FetchTable(absl::string_view purpose) override {
    return responder_->TableFor(peer_, purpose);
  }
  absl::Status Evaluate(absl::string_view purpose, absl::Span<const crypto::oprf::Element> blinded,
                        absl::Span<const match::keyspec::KeyType> key_types,
                        absl::Span<crypto::oprf::Element> out) override {
    uint64_t left = 0;
    auto r = responder_->Evaluate(peer_, purpose, blinded, key_types, &left);
    if (!r.ok()) return r.status();
    std::copy(r->begin(), r->end(), out.begin());
    return absl::OkStatus();
  }

 private:
  Responder* responder_;
  PeerIdentity peer_;
};

class TableBuildsTest : public ::testing::Test {
 protected:
  static constexpr int kRecords = 20;

  TableBuildsTest() {
    dir_ = (std::filesystem::path(::testing::TempDir()) /
            absl::StrCat("table-builds", getpid(), "-", counter_++))
               .string();
    std::filesystem::remove_all(dir_);
    config::NodeConfig config;
    config.node_id = "police";
    config.organisation = "Police";
    EXPECT_TRUE(config::InitNode(dir_, config).ok());
    auto node = config::OpenNode(dir_, {.load_identity = false});
    EXPECT_TRUE(node.ok()) << node.status();
    node_ = *std::move(node);
    std::ofstream(dir_ + "/policy.txtpb", std::ios::trunc) << kPolicy;
    auto responder = Responder::Create(node_->paths, node_->config, node_->store.get(), &clock_);
    EXPECT_TRUE(responder.ok()) << responder.status();
    responder_ = *std::move(responder);
    std::vector<record::Person> persons;
    for (int i = 0; i < kRecords; ++i) persons.push_back(Victim(i, Phone(i)));
    EXPECT_TRUE(node_->store->Upsert(persons).ok());
  }
  ~TableBuildsTest() override {
    responder_.reset();
    node_.reset();
    std::filesystem::remove_all(dir_);
  }

  Table TableOf(const std::string& peer) {
    auto table = responder_->TableFor({peer, config::NodeRole::kNgo}, "victim-dedup");
    EXPECT_TRUE(table.ok()) << table.status();
    return *std::move(table);
  }
  static size_t Entries(const Table& table) {
    size_t n = 0;
    for (const Slot& s : table.slots) n += s.key_count();
    return n;
  }
  // The handles `peer`'s table reveals to the intake of `person`.
  size_t Found(const std::string& peer, const Table& table, const record::Person& person) {
    Local local(responder_.get(), {peer, config::NodeRole::kNgo});
    auto index = TableIndex::Build(table);
    EXPECT_TRUE(index.ok()) << index.status();
    MatchOptions options;
    options.threshold = 0;
    auto match = MatchAgainst(*index, local, "victim-dedup",
                              {match::keyspec::DeriveKeys(person, {})}, options);
    EXPECT_TRUE(match.ok()) << match.status();
    return match.ok() ? match->hits.size() : 0;
  }

  static inline int counter_ = 0;
  common::FakeClock clock_;
  std::string dir_;
  std::unique_ptr<config::OpenedNode> node_;
  std::unique_ptr<Responder> responder_;
};

TEST_F(TableBuildsTest, ASecondPeersTableOfAnUnchangedStoreEvaluatesNothing) {
  EXPECT_EQ(responder_->table_evaluations(), 0u);
  const Table first = TableOf("ngo-1");
  ASSERT_EQ(first.slots.size(), static_cast<size_t>(kRecords));
  const uint64_t one_build = responder_->table_evaluations();
  EXPECT_EQ(one_build, Entries(first));  // every key evaluated once

  const Table second = TableOf("ngo-2");
  EXPECT_EQ(responder_->table_evaluations(), one_build);  // not rebuilt
  ASSERT_EQ(second.slots.size(), first.slots.size());
  // Still each peer's own table: other slot ids (and handles, shares).
  EXPECT_NE(second.slots[0].id, first.slots[0].id);
  EXPECT_NE(second.slots[0].entries, first.slots[0].entries);
  // And both work.
  EXPECT_EQ(Found("ngo-1", first, Victim(3, Phone(3))), 1u);
  EXPECT_EQ(Found("ngo-2", second, Victim(3, Phone(3))), 1u);
}

TEST_F(TableBuildsTest, ADeltaAfterOneChangeEvaluatesOnlyThatRecordsKeys) {
  Table held = TableOf("ngo-1");
  const uint64_t one_build = responder_->table_evaluations();
  ASSERT_TRUE(node_->store->Upsert({Victim(7, "+447700999999")}).ok());
  HeldTable h{held.table_id, held.version, held.as_of};
  auto delta = responder_->UpdateFor({"ngo-1", config::NodeRole::kNgo}, "victim-dedup", &h);
  ASSERT_TRUE(delta.ok()) << delta.status();
  ASSERT_TRUE(delta->delta);
  ASSERT_EQ(delta->table.slots.size(), 1u);
  EXPECT_EQ(delta->slots_after, static_cast<uint64_t>(kRecords));
  // Only the changed record's keys.
  EXPECT_EQ(responder_->table_evaluations() - one_build, delta->table.slots[0].key_count());
  const uint64_t after_delta = responder_->table_evaluations();
  ASSERT_TRUE(ApplyUpdate(*std::move(delta), &held).ok());
  EXPECT_EQ(Found("ngo-1", held, Victim(7, "+447700999999")), 1u);

  // Another peer's whole table now costs nothing more either.
  const Table other = TableOf("ngo-2");
  EXPECT_EQ(responder_->table_evaluations(), after_delta);
  EXPECT_EQ(Found("ngo-2", other, Victim(7, "+447700999999")), 1u);
}

TEST_F(TableBuildsTest, ARekeyingEvaluatesEverythingAgain) {
  const Table before = TableOf("ngo-1");
  const uint64_t one_build = responder_->table_evaluations();
  ASSERT_TRUE(Keyring::Rekey(node_->paths, clock_.Now()).ok());
  const Table after = TableOf("ngo-1");
  EXPECT_NE(after.table_id, before.table_id);
  EXPECT_EQ(responder_->table_evaluations(), 2 * one_build);
  EXPECT_EQ(Found("ngo-1", after, Victim(5, Phone(5))), 1u);
}

}  // namespace
}  // namespace fedlink::private_match
