// The private match end to end without the network: a real Responder (its
// node directory, policy file, OPRF seed and budget database) behind a
// PeerTransport, and the requester's MatchAgainst. Each test checks one
// claim of the leakage statement or one policy field.
#include "node/private_match/requester.h"

#include <sodium.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/config/node_dir.h"
#include "node/private_match/bucket_server.h"
#include "node/private_match/responder.h"
#include "node/private_match/table_cache.h"

namespace fedlink::private_match {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kPolicy[] = R"pb(
  purposes: "victim-dedup"
  purposes: "perpetrator-link"
  rules {
    name: "ngo-victims"
    peers { node_id: "ngo" }
    purpose: "victim-dedup"
    record_roles: ROLE_VICTIM
    consent { required: true }
    min_agreeing_keys: 2
    payload: PAYLOAD_HANDLE_AND_ROLE
    daily_evaluate_budget: 1000
  }
  rules {
    name: "police-suspects"
    peers { role: NODE_ROLE_AGENCY }
    purpose: "perpetrator-link"
    record_roles: ROLE_SUSPECT
    min_agreeing_keys: 2
    payload: PAYLOAD_HANDLE_ROLE_AND_OFFICER
    daily_evaluate_budget: 100000
  }
)pb";

record::Person Victim(const std::string& id, const std::string& given, const std::string& family,
                      int day, const std::string& phone) {
  record::Person p;
  p.external_id = id;
  p.role = record::Role::kVictim;
  p.given_name = given;
  p.family_name = family;
  p.dob = {1990, 4, day};
  p.phones = {phone};
  p.consent = {"victim-dedup"};
  return p;
}

// The responder's node, with a policy and records.
class ResponderNode {
 public:
  explicit ResponderNode(const std::string& name, common::FakeClock* clock) {
    dir_ = (std::filesystem::path(::testing::TempDir()) /
            (name + std::to_string(getpid()) + std::to_string(counter_++)))
               .string();
    std::filesystem::remove_all(dir_);
    config::NodeConfig config;
    config.node_id = "police";
    config.organisation = "Police";
    EXPECT_TRUE(config::InitNode(dir_, config).ok());
    auto node = config::OpenNode(dir_, {.load_identity = false});
    EXPECT_TRUE(node.ok()) << node.status();
    node_ = *std::move(node);
    WritePolicy(kPolicy);
    auto responder = Responder::Create(node_->paths, node_->config, node_->store.get(), clock);
    EXPECT_TRUE(responder.ok()) << responder.status();
    responder_ = *std::move(responder);
  }
  ~ResponderNode() { std::filesystem::remove_all(dir_); }

  void WritePolicy(const std::string& text) {
    std::ofstream(dir_ + "/policy.txtpb", std::ios::trunc) << text;
    // A distinct mtime, so the responder sees the change.
    auto t = std::filesystem::last_write_time(dir_ + "/policy.txtpb");
    std::filesystem::last_write_time(dir_ + "/policy.txtpb", t + std::chrono::seconds(++edits_));
  }
  void Add(std::vector<record::Person> persons) { ASSERT_TRUE(node_->store->Upsert(persons).ok()); }
  void Delete(const std::string& external_id) {
    ASSERT_TRUE(node_->store->Delete(external_id).value());
  }
  Responder& responder() { return *responder_; }
  const std::string& dir() const { return dir_; }

 private:
  static inline int counter_ = 0;
  int edits_ = 0;
  std::string dir_;
  std::unique_ptr<config::OpenedNode> node_;
  std::unique_ptr<Responder> responder_;
};

// The responder in-process, recording what it was sent.
class LocalTransport : public PeerTransport {
 public:
  LocalTransport(Responder* responder, PeerIdentity peer)
      : responder_(responder), peer_(std::move(peer)) {}
  absl::StatusOr<Table> FetchTable(absl::string_view purpose) override {
    return responder_->TableFor(peer_, purpose);
  }
  absl::Status Evaluate(absl::string_view purpose, absl::Span<const crypto::oprf::Element> blinded,
                        absl::Span<const match::keyspec::KeyType> key_types,
                        absl::Span<crypto::oprf::Element> out) override {
    seen.insert(seen.end(), blinded.begin(), blinded.end());
    auto r = responder_->Evaluate(peer_, purpose, blinded, key_types, &remaining);
    if (!r.ok()) return r.status();
    std::copy(r->begin(), r->end(), out.begin());
    return absl::OkStatus();
  }
  // A batch of every key type in turn, as a batch of records' keys mixes
  // them, for the tests that count evaluations.
  absl::Status EvaluateMixed(absl::string_view purpose,
                             absl::Span<const crypto::oprf::Element> blinded,
                             absl::Span<crypto::oprf::Element> out) {
    std::vector<match::keyspec::KeyType> types(blinded.size());
    for (size_t i = 0; i < types.size(); ++i) {
      types[i] = static_cast<match::keyspec::KeyType>(i % match::keyspec::kKeyTypeCount);
    }
    return Evaluate(purpose, blinded, types, out);
  }
  // A batch of one key type only.
  absl::Status EvaluateAs(match::keyspec::KeyType type, absl::string_view purpose,
                          absl::Span<const crypto::oprf::Element> blinded,
                          absl::Span<crypto::oprf::Element> out) {
    const std::vector<match::keyspec::KeyType> types(blinded.size(), type);
    return Evaluate(purpose, blinded, types, out);
  }
  std::vector<crypto::oprf::Element> seen;
  uint64_t remaining = 0;

 private:
  Responder* responder_;
  PeerIdentity peer_;
};

match::KeySet Keys(const record::Person& p) { return match::keyspec::DeriveKeys(p, {}); }

absl::StatusOr<PeerMatch> MatchAll(PeerTransport& peer, absl::string_view purpose,
                                   const std::vector<record::Person>& queries,
                                   double threshold = 0) {
  auto table = peer.FetchTable(purpose);
  if (!table.ok()) return table.status();
  auto index = TableIndex::Build(*std::move(table));
  if (!index.ok()) return index.status();
  std::vector<match::KeySet> keys;
  for (const record::Person& p : queries) keys.push_back(Keys(p));
  MatchOptions options;
  options.threshold = threshold;
  return MatchAgainst(*index, peer, purpose, keys, options);
}

class PrivateMatchTest : public ::testing::Test {
 protected:
  PrivateMatchTest() : police_("pm", &clock_) {
    police_.Add({Victim("v-1", "Maria", "Ivanova", 12, "+447700900001"),
                 Victim("v-2", "Anna", "Kowalska", 3, "+447700900002"),
                 Victim("v-3", "Elena", "Popescu", 21, "+447700900003")});
  }
  common::FakeClock clock_;
  ResponderNode police_;
};

TEST_F(PrivateMatchTest, FindsTheSameVictimWrittenDifferentlyAndResolvesIt) {
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  // Transliteration variant, same date of birth, same phone.
  auto match = MatchAll(ngo, "victim-dedup",
                        {Victim("n-1", "Mariya", "Ivanova", 12, "07700 900001"),
                         Victim("n-2", "Olga", "Sidorova", 7, "+447700900099")});
  ASSERT_TRUE(match.ok()) << match.status();
  ASSERT_THAT(match->hits, SizeIs(1));
  const MatchHit& hit = match->hits[0];
  EXPECT_EQ(hit.query, 0u);
  EXPECT_EQ(hit.role, "victim");  // PAYLOAD_HANDLE_AND_ROLE
  EXPECT_EQ(hit.officer, "");     // not allowed by this rule
  EXPECT_GE(hit.agreeing_keys, 2);
  EXPECT_EQ(hit.handle.find("v-1"), std::string::npos);  // opaque
  auto resolved = police_.responder().Resolve("ngo", hit.handle);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(*resolved, "v-1");
  EXPECT_EQ(match->table_slots, 3u);
}

TEST_F(PrivateMatchTest, DeniedPeerGetsAnEmptyTableAndItsEvaluationsAreRefused) {
  LocalTransport shelter(&police_.responder(), {"shelter", config::NodeRole::kNgo});
  auto table = shelter.FetchTable("victim-dedup");
  ASSERT_TRUE(table.ok());
  EXPECT_THAT(table->slots, IsEmpty());
  std::vector<crypto::oprf::Element> blinded(1), out(1);
  blinded[0] = crypto::oprf::Blind("x")->element;
  EXPECT_EQ(shelter.EvaluateMixed("victim-dedup", blinded, absl::MakeSpan(out)).code(),
            absl::StatusCode::kPermissionDenied);
  // An undeclared purpose is refused too, even for an allowed peer.
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  EXPECT_EQ(ngo.EvaluateMixed("marketing", blinded, absl::MakeSpan(out)).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(PrivateMatchTest, RecordWithoutConsentNeverAppears) {
  record::Person no_consent = Victim("v-9", "Dana", "Moraru", 9, "+447700900009");
  no_consent.consent.clear();
  police_.Add({no_consent});
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto table = ngo.FetchTable("victim-dedup");
  ASSERT_TRUE(table.ok());
  EXPECT_THAT(table->slots, SizeIs(3));
  auto match = MatchAll(ngo, "victim-dedup", {no_consent});
  ASSERT_TRUE(match.ok());
  EXPECT_THAT(match->hits, IsEmpty());
  EXPECT_EQ(match->slots_hit, 0u);
}

TEST_F(PrivateMatchTest, FewerThanTAgreeingKeysOpenNothing) {
  // Only the phone agrees: one key, t = 2.
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto match =
      MatchAll(ngo, "victim-dedup", {Victim("n-1", "Zofia", "Nowak", 30, "+447700900001")});
  ASSERT_TRUE(match.ok());
  EXPECT_THAT(match->hits, IsEmpty());
  EXPECT_EQ(match->slots_hit, 1u);  // the tag hit is visible...
  EXPECT_EQ(match->below_t, 1u);    // ...but the slot stayed closed
}

TEST_F(PrivateMatchTest, ResponderSeesOnlyFreshlyBlindedPoints) {
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  record::Person q = Victim("n-1", "Maria", "Ivanova", 12, "+447700900001");
  ASSERT_TRUE(MatchAll(ngo, "victim-dedup", {q}).ok());
  ASSERT_TRUE(MatchAll(ngo, "victim-dedup", {q}).ok());
  const match::KeySet keys = Keys(q);
  ASSERT_EQ(ngo.seen.size(), 2 * keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    // The same key blinded twice: unlinkable points.
    EXPECT_NE(ngo.seen[i], ngo.seen[keys.size() + i]);
    // Neither is the unblinded hash of the key.
    crypto::oprf::Scalar one{};
    one[0] = 1;
    auto unblinded = crypto::oprf::BlindWith(
        keys[i].bytes, absl::string_view(reinterpret_cast<const char*>(one.data()), one.size()));
    ASSERT_TRUE(unblinded.ok());
    EXPECT_NE(ngo.seen[i], unblinded->element);
  }
}

// Evaluates with a key that is not the responder's.
class WrongKeyTransport : public LocalTransport {
 public:
  using LocalTransport::LocalTransport;
  absl::Status Evaluate(absl::string_view, absl::Span<const crypto::oprf::Element> blinded,
                        absl::Span<const match::keyspec::KeyType>,
                        absl::Span<crypto::oprf::Element> out) override {
    auto key = crypto::oprf::OprfKey::Generate();
    return key->BlindEvaluateBatch(blinded, out);
  }
};

TEST_F(PrivateMatchTest, TableIsUselessWithoutTheRespondersKey) {
  WrongKeyTransport thief(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto match =
      MatchAll(thief, "victim-dedup", {Victim("n-1", "Maria", "Ivanova", 12, "+447700900001")});
  ASSERT_TRUE(match.ok());
  EXPECT_THAT(match->hits, IsEmpty());
  EXPECT_EQ(match->slots_hit, 0u);
}

TEST_F(PrivateMatchTest, TableOfAnOlderEpochIsUseless) {
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto old_table = ngo.FetchTable("victim-dedup");
  ASSERT_TRUE(old_table.ok());
  clock_.Advance(kEpochLength);  // the OPRF key rotates
  const Table old_copy = *old_table;
  auto index = TableIndex::Build(*std::move(old_table));
  ASSERT_TRUE(index.ok());
  auto match = MatchAgainst(*index, ngo, "victim-dedup",
                            {Keys(Victim("n-1", "Maria", "Ivanova", 12, "+447700900001"))}, {});
  ASSERT_TRUE(match.ok());
  EXPECT_THAT(match->hits, IsEmpty());
  // And the cache refuses to serve it.
  TableCache cache(police_.dir());
  ASSERT_TRUE(cache.Put("police", "victim-dedup", old_copy, clock_.Now() - kEpochLength).ok());
  auto cached = cache.Get("police", "victim-dedup", clock_.Now(), absl::Hours(1e6));
  ASSERT_TRUE(cached.ok());
  EXPECT_FALSE(cached->has_value());
}

TEST_F(PrivateMatchTest, SpentBudgetRefusesFor24HoursAndChargesNothing) {
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  std::vector<crypto::oprf::Element> blinded(600), out(600);
  for (auto& e : blinded) e = crypto::oprf::Blind("k")->element;
  ASSERT_TRUE(ngo.EvaluateMixed("victim-dedup", blinded, absl::MakeSpan(out)).ok());
  // 600 + 600 > 1000: refused, and nothing is charged for the refusal.
  EXPECT_EQ(ngo.EvaluateMixed("victim-dedup", blinded, absl::MakeSpan(out)).code(),
            absl::StatusCode::kResourceExhausted);
  std::vector<crypto::oprf::Element> small(400), small_out(400);
  for (auto& e : small) e = crypto::oprf::Blind("k")->element;
  EXPECT_TRUE(ngo.EvaluateMixed("victim-dedup", small, absl::MakeSpan(small_out)).ok());
  EXPECT_EQ(ngo.EvaluateMixed("victim-dedup", absl::MakeSpan(small).subspan(0, 1),
                              absl::MakeSpan(small_out).subspan(0, 1))
                .code(),
            absl::StatusCode::kResourceExhausted);
  // A sliding 24 hours, not a calendar day: 23 hours on (across a midnight
  // or not) it is still spent; 24 hours on it is back.
  clock_.Advance(absl::Hours(23));
  EXPECT_EQ(ngo.EvaluateMixed("victim-dedup", absl::MakeSpan(small).subspan(0, 1),
                              absl::MakeSpan(small_out).subspan(0, 1))
                .code(),
            absl::StatusCode::kResourceExhausted);
  clock_.Advance(absl::Hours(1));
  EXPECT_TRUE(ngo.EvaluateMixed("victim-dedup", blinded, absl::MakeSpan(out)).ok());
}

// Issue 14, finding 9: a peer spent its whole budget on one key type, e.g.
// 500,000 phone numbers a day against the example police policy. Now each
// key type has its own share (the rule's daily_key_type_budget; here the
// default, a quarter of 1000), while a batch of mixed key types, as records
// give, still gets the whole budget.
TEST_F(PrivateMatchTest, AKeyTypesBudgetBoundsASingleSelectorProbe) {
  using match::keyspec::KeyType;
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  std::vector<crypto::oprf::Element> phones(251), out(251);
  for (auto& e : phones) e = crypto::oprf::Blind("+447700900123")->element;
  const absl::Status probe =
      ngo.EvaluateAs(KeyType::kPhone, "victim-dedup", phones, absl::MakeSpan(out));
  EXPECT_EQ(probe.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(probe.message(), ::testing::HasSubstr("key type phone is spent (0 of 250 used"));
  // 250 fit; then phones are refused for 24 hours, other key types are not.
  auto fits = absl::MakeSpan(phones).subspan(0, 250);
  ASSERT_TRUE(ngo.EvaluateAs(KeyType::kPhone, "victim-dedup", fits, absl::MakeSpan(out)).ok());
  auto one = absl::MakeSpan(phones).subspan(0, 1);
  auto one_out = absl::MakeSpan(out).subspan(0, 1);
  EXPECT_EQ(ngo.EvaluateAs(KeyType::kPhone, "victim-dedup", one, one_out).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(ngo.EvaluateAs(KeyType::kNameDob, "victim-dedup", one, one_out).ok());
  EXPECT_EQ(ngo.remaining, 1000u - 251u);
  clock_.Advance(absl::Hours(23));
  EXPECT_EQ(ngo.EvaluateAs(KeyType::kPhone, "victim-dedup", one, one_out).code(),
            absl::StatusCode::kResourceExhausted);
  clock_.Advance(absl::Hours(1));
  EXPECT_TRUE(ngo.EvaluateAs(KeyType::kPhone, "victim-dedup", one, one_out).ok());
  // A mixed batch of 700 (about 41 of each type) fits next to that.
  std::vector<crypto::oprf::Element> mixed(700), mixed_out(700);
  for (auto& e : mixed) e = crypto::oprf::Blind("k")->element;
  EXPECT_TRUE(ngo.EvaluateMixed("victim-dedup", mixed, absl::MakeSpan(mixed_out)).ok());
}

// Declares every key as of one type, to spend another type's budget.
class MislabellingTransport : public LocalTransport {
 public:
  using LocalTransport::LocalTransport;
  absl::Status Evaluate(absl::string_view purpose, absl::Span<const crypto::oprf::Element> blinded,
                        absl::Span<const match::keyspec::KeyType> key_types,
                        absl::Span<crypto::oprf::Element> out) override {
    const std::vector<match::keyspec::KeyType> lie(key_types.size(),
                                                   match::keyspec::KeyType::kAddress);
    return LocalTransport::Evaluate(purpose, blinded, lie, out);
  }
};

// The budget per key type holds only if a requester cannot charge one
// type's guesses to another: each type has its own OPRF key, so a key
// evaluated as another type matches nothing, not even one tag.
TEST_F(PrivateMatchTest, AKeyDeclaredAsAnotherKeyTypeMatchesNothing) {
  const std::vector<record::Person> q = {Victim("n-1", "Mariya", "Ivanova", 12, "07700 900001")};
  LocalTransport honest(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto found = MatchAll(honest, "victim-dedup", q);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_THAT(found->hits, SizeIs(1));
  MislabellingTransport liar(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto lied = MatchAll(liar, "victim-dedup", q);
  ASSERT_TRUE(lied.ok()) << lied.status();
  EXPECT_THAT(lied->hits, IsEmpty());
  EXPECT_EQ(lied->slots_hit, 0u);
}

// The requester names each element's key type; a batch that does not is
// refused before anything is evaluated or charged.
TEST_F(PrivateMatchTest, ABatchWithoutItsKeyTypesIsRefused) {
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  std::vector<crypto::oprf::Element> blinded(3), out(3);
  for (auto& e : blinded) e = crypto::oprf::Blind("k")->element;
  const std::vector<match::keyspec::KeyType> two(2, match::keyspec::KeyType::kPhone);
  EXPECT_EQ(ngo.Evaluate("victim-dedup", blinded, two, absl::MakeSpan(out)).code(),
            absl::StatusCode::kInvalidArgument);
  const std::vector<match::keyspec::KeyType> bad(3, static_cast<match::keyspec::KeyType>(200));
  EXPECT_EQ(ngo.Evaluate("victim-dedup", blinded, bad, absl::MakeSpan(out)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ngo.EvaluateMixed("victim-dedup", blinded, absl::MakeSpan(out)).ok());
  EXPECT_EQ(ngo.remaining, 997u);
}

TEST_F(PrivateMatchTest, InvalidPointsAreRefusedWithoutCharging) {
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  std::vector<crypto::oprf::Element> blinded(1000), out(1000);
  for (auto& e : blinded) e = crypto::oprf::Blind("k")->element;
  blinded[999] = {};  // the identity element
  auto s = ngo.EvaluateMixed("victim-dedup", blinded, absl::MakeSpan(out));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("element 999"), std::string::npos);
  blinded[999].fill(0xff);  // not a canonical encoding
  EXPECT_EQ(ngo.EvaluateMixed("victim-dedup", blinded, absl::MakeSpan(out)).code(),
            absl::StatusCode::kInvalidArgument);
  blinded[999] = crypto::oprf::Blind("k")->element;
  blinded[999][31] |= 0x80;  // bit 255 set: libsodium 1.0.18 would accept it
  EXPECT_EQ(ngo.EvaluateMixed("victim-dedup", blinded, absl::MakeSpan(out)).code(),
            absl::StatusCode::kInvalidArgument);
  // None of the refused batches was charged: the full budget of 1000 is left.
  blinded[999] = crypto::oprf::Blind("k")->element;
  EXPECT_TRUE(ngo.EvaluateMixed("victim-dedup", blinded, absl::MakeSpan(out)).ok());
}

// Returns garbage instead of evaluations.
class LyingTransport : public LocalTransport {
 public:
  using LocalTransport::LocalTransport;
  absl::Status Evaluate(absl::string_view, absl::Span<const crypto::oprf::Element>,
                        absl::Span<const match::keyspec::KeyType>,
                        absl::Span<crypto::oprf::Element> out) override {
    for (auto& e : out) e.fill(0xff);  // not a canonical encoding
    return absl::OkStatus();
  }
};

TEST_F(PrivateMatchTest, InvalidEvaluationsFromThePeerAreAnError) {
  LyingTransport liar(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto match =
      MatchAll(liar, "victim-dedup", {Victim("n-1", "Maria", "Ivanova", 12, "+447700900001")});
  EXPECT_EQ(match.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(PrivateMatchTest, PolicyChangeTakesEffectWithoutRestartAndBadPolicyKeepsTheLast) {
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  ASSERT_THAT(ngo.FetchTable("victim-dedup")->slots, SizeIs(3));
  police_.WritePolicy("purposes: \"victim-dedup\"\n");  // no rules: deny all
  EXPECT_THAT(ngo.FetchTable("victim-dedup")->slots, IsEmpty());
  police_.WritePolicy(kPolicy);
  EXPECT_THAT(ngo.FetchTable("victim-dedup")->slots, SizeIs(3));
  police_.WritePolicy("rules { this is not a policy");
  EXPECT_THAT(ngo.FetchTable("victim-dedup")->slots, SizeIs(3));
}

TEST_F(PrivateMatchTest, SuspectsOnlyForPerpetratorLinkWithOfficerContact) {
  record::Person suspect = Victim("s-1", "Ivan", "Petrov", 2, "+447700900050");
  suspect.role = record::Role::kSuspect;
  suspect.consent.clear();
  suspect.officer = "DC Smith";
  police_.Add({suspect});
  LocalTransport agency(&police_.responder(), {"police-2", config::NodeRole::kAgency});
  auto match = MatchAll(agency, "perpetrator-link", {suspect});
  ASSERT_TRUE(match.ok());
  ASSERT_THAT(match->hits, SizeIs(1));
  EXPECT_EQ(match->hits[0].role, "suspect");
  EXPECT_EQ(match->hits[0].officer, "DC Smith");
  EXPECT_THAT(agency.FetchTable("perpetrator-link")->slots, SizeIs(1));
}

TEST_F(PrivateMatchTest, ContactOnlyAboutRecordsSharedWithThePeer) {
  Responder& r = police_.responder();
  const std::string handle = *r.HandleFor("ngo", "v-1");
  auto id = r.AuthorizeContact({"ngo", config::NodeRole::kNgo}, "victim-dedup", handle);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "v-1");
  // No rule for the shelter, nor for this purpose: the same NotFound as an
  // unknown handle, so a peer learns nothing.
  EXPECT_EQ(r.AuthorizeContact({"shelter", config::NodeRole::kNgo}, "victim-dedup", handle)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(r.AuthorizeContact({"ngo", config::NodeRole::kNgo}, "perpetrator-link", handle)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      r.AuthorizeContact({"ngo", config::NodeRole::kNgo}, "victim-dedup", "h00").status().code(),
      absl::StatusCode::kNotFound);
  // Consent withdrawn: no contact either.
  record::Person withdrawn = Victim("v-1", "Maria", "Ivanova", 12, "+447700900001");
  withdrawn.consent.clear();
  police_.Add({withdrawn});
  EXPECT_EQ(
      r.AuthorizeContact({"ngo", config::NodeRole::kNgo}, "victim-dedup", handle).status().code(),
      absl::StatusCode::kNotFound);
}

TEST_F(PrivateMatchTest, WithdrawnRecordNoLongerOpensFromACachedTable) {
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  const record::Person query = Victim("n-1", "Mariya", "Ivanova", 12, "07700 900001");
  auto cached = ngo.FetchTable("victim-dedup");
  ASSERT_TRUE(cached.ok());
  const Table cached_copy = *cached;
  auto before = MatchAgainst(*TableIndex::Build(*cached), ngo, "victim-dedup", {Keys(query)}, {});
  ASSERT_TRUE(before.ok());
  ASSERT_THAT(before->hits, SizeIs(1));
  // The survivor withdraws consent: the record changes and the node re-keys.
  record::Person withdrawn = Victim("v-1", "Maria", "Ivanova", 12, "+447700900001");
  withdrawn.consent.clear();
  police_.Add({withdrawn});
  ASSERT_TRUE(Keyring::Rekey(common::NodePaths(police_.dir())).ok());
  // The peer's cached table opens nothing any more (not even a tag hits)...
  auto after =
      MatchAgainst(*TableIndex::Build(cached_copy), ngo, "victim-dedup", {Keys(query)}, {});
  ASSERT_TRUE(after.ok());
  EXPECT_THAT(after->hits, IsEmpty());
  EXPECT_EQ(after->slots_hit, 0u);
  // ...and the fresh table has a new id and no longer holds the record.
  auto fresh = ngo.FetchTable("victim-dedup");
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh->table_id, cached_copy.table_id);
  EXPECT_THAT(fresh->slots, SizeIs(2));
  auto again = MatchAll(ngo, "victim-dedup", {query});
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(again->hits, IsEmpty());
}

TEST_F(PrivateMatchTest, OnlyTheRulesKeyTypesGoIntoTheTable) {
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  // Names and date of birth agree, the phone does not.
  const std::vector<record::Person> q = {Victim("n-1", "Maria", "Ivanova", 12, "+447700900777")};
  ASSERT_THAT(MatchAll(ngo, "victim-dedup", q)->hits, SizeIs(1));
  std::string phones_only = kPolicy;
  const std::string needle = "min_agreeing_keys: 2\n    payload: PAYLOAD_HANDLE_AND_ROLE";
  phones_only.replace(phones_only.find(needle), needle.size(),
                      "key_types: \"phone\"\n    key_types: \"email\"\n    " + needle);
  police_.WritePolicy(phones_only);
  auto table = ngo.FetchTable("victim-dedup");
  ASSERT_TRUE(table.ok());
  // Each record has one phone and no e-mail: one key group, fewer than t.
  EXPECT_THAT(table->slots, IsEmpty());
  auto match = MatchAll(ngo, "victim-dedup", q);
  ASSERT_TRUE(match.ok());
  EXPECT_THAT(match->hits, IsEmpty());
}

TEST_F(PrivateMatchTest, APolicyChangeVoidsTablesPeersCached) {
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto before = ngo.FetchTable("victim-dedup");
  ASSERT_TRUE(before.ok());
  std::string raised = kPolicy;
  const std::string needle = "daily_evaluate_budget: 1000";
  raised.replace(raised.find(needle), needle.size(), "daily_evaluate_budget: 2000");
  police_.WritePolicy(raised);
  auto after = ngo.FetchTable("victim-dedup");
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->table_id, before->table_id);  // re-keyed
  auto stale = MatchAgainst(*TableIndex::Build(*before), ngo, "victim-dedup",
                            {Keys(Victim("n-1", "Maria", "Ivanova", 12, "+447700900001"))}, {});
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->slots_hit, 0u);
}

TEST_F(PrivateMatchTest, OwnersScoreThresholdIsObeyed) {
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  const std::vector<record::Person> q = {Victim("n-1", "Mariya", "Ivanova", 12, "07700 900001")};
  auto match = MatchAll(ngo, "victim-dedup", q);
  ASSERT_TRUE(match.ok());
  ASSERT_THAT(match->hits, SizeIs(1));
  const double score = match->hits[0].score;
  std::string raised = kPolicy;
  const std::string needle = "min_agreeing_keys: 2\n    payload: PAYLOAD_HANDLE_AND_ROLE";
  raised.replace(raised.find(needle), needle.size(),
                 absl::StrCat("min_agreeing_keys: 2\n    score_threshold: ", score + 1,
                              "\n    payload: PAYLOAD_HANDLE_AND_ROLE"));
  police_.WritePolicy(raised);
  auto stricter = MatchAll(ngo, "victim-dedup", q);
  ASSERT_TRUE(stricter.ok());
  EXPECT_THAT(stricter->hits, IsEmpty());
  EXPECT_GT(stricter->threshold, score);
}

// Counts the batches evaluated.
class CountingTransport : public LocalTransport {
 public:
  using LocalTransport::LocalTransport;
  absl::Status Evaluate(absl::string_view purpose, absl::Span<const crypto::oprf::Element> blinded,
                        absl::Span<const match::keyspec::KeyType> key_types,
                        absl::Span<crypto::oprf::Element> out) override {
    ++batches;
    return LocalTransport::Evaluate(purpose, blinded, key_types, out);
  }
  int batches = 0;
};

TEST_F(PrivateMatchTest, SmallPipelinedBatchesFindWhatOneBatchFinds) {
  const std::vector<record::Person> queries = {
      Victim("n-1", "Mariya", "Ivanova", 12, "07700 900001"),
      Victim("n-2", "Olga", "Sidorova", 7, "+447700900099"),
      Victim("n-3", "Elena", "Popescu", 21, "+447700900003"),
      Victim("n-4", "Anna", "Kowalska", 3, "+447700900002")};
  std::vector<match::KeySet> keys;
  for (const record::Person& p : queries) keys.push_back(Keys(p));
  CountingTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto table = ngo.FetchTable("victim-dedup");
  ASSERT_TRUE(table.ok());
  auto index = TableIndex::Build(*std::move(table));
  ASSERT_TRUE(index.ok());
  MatchOptions one;
  one.threshold = 0;
  auto whole = MatchAgainst(*index, ngo, "victim-dedup", keys, one);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(ngo.batches, 1);
  MatchOptions small = one;
  small.batch = 1;  // one record per batch, each sent before the last is finalised
  ngo.batches = 0;
  auto pipelined = MatchAgainst(*index, ngo, "victim-dedup", keys, small);
  ASSERT_TRUE(pipelined.ok()) << pipelined.status();
  EXPECT_EQ(ngo.batches, 4);
  ASSERT_THAT(whole->hits, SizeIs(3));
  ASSERT_EQ(pipelined->hits.size(), whole->hits.size());
  for (size_t i = 0; i < whole->hits.size(); ++i) {
    EXPECT_EQ(pipelined->hits[i].query, whole->hits[i].query);
    EXPECT_EQ(pipelined->hits[i].handle, whole->hits[i].handle);
  }
  EXPECT_EQ(pipelined->evaluations, whole->evaluations);
}

// Deltas: what a peer that holds the table is sent when records change.
class TableDeltaTest : public PrivateMatchTest {
 protected:
  const PeerIdentity ngo_{"ngo", config::NodeRole::kNgo};

  Table Full() {
    auto table = police_.responder().TableFor(ngo_, "victim-dedup");
    EXPECT_TRUE(table.ok()) << table.status();
    return *std::move(table);
  }
  TableUpdate UpdateSince(const Table& held) {
    HeldTable h{held.table_id, held.version, held.as_of};
    auto update = police_.responder().UpdateFor(ngo_, "victim-dedup", &h);
    EXPECT_TRUE(update.ok()) << update.status();
    return *std::move(update);
  }
  // The handles the held table reveals to `query`.
  std::vector<std::string> Found(const Table& held, const record::Person& query) {
    LocalTransport ngo(&police_.responder(), ngo_);
    auto index = TableIndex::Build(held);
    EXPECT_TRUE(index.ok()) << index.status();
    auto match = MatchAgainst(*index, ngo, "victim-dedup", {Keys(query)}, {});
    EXPECT_TRUE(match.ok()) << match.status();
    std::vector<std::string> out;
    for (const MatchHit& h : match->hits) out.push_back(h.handle);
    return out;
  }
};

TEST_F(TableDeltaTest, ADeltaCarriesOnlyTheRecordsAddedOrChanged) {
  Table held = Full();
  ASSERT_THAT(held.slots, SizeIs(3));
  const uint64_t v2_id = held.slots[1].id;
  // A new intake and a corrected phone number.
  police_.Add({Victim("v-4", "Iryna", "Bondar", 5, "+447700900004"),
               Victim("v-2", "Anna", "Kowalska", 3, "+447700900022")});
  const record::Person new_intake = Victim("n-4", "Iryna", "Bondar", 5, "+447700900004");
  const record::Person corrected = Victim("n-2", "Anna", "Kowalska", 3, "+447700900022");
  EXPECT_THAT(Found(held, new_intake), IsEmpty());

  TableUpdate delta = UpdateSince(held);
  ASSERT_TRUE(delta.delta);
  EXPECT_THAT(delta.table.slots, SizeIs(2));  // not the unchanged two
  EXPECT_THAT(delta.removed, IsEmpty());
  EXPECT_EQ(delta.slots_after, 4u);
  EXPECT_GT(delta.table.version, held.version);
  EXPECT_EQ(delta.table.table_id, held.table_id);
  ASSERT_TRUE(ApplyUpdate(std::move(delta), &held).ok());
  ASSERT_THAT(held.slots, SizeIs(4));
  EXPECT_EQ(std::count_if(held.slots.begin(), held.slots.end(),
                          [&](const Slot& s) { return s.id == v2_id; }),
            1);  // replaced, not duplicated
  EXPECT_THAT(Found(held, new_intake), SizeIs(1));
  EXPECT_THAT(Found(held, corrected), SizeIs(1));

  // Nothing changed since: an empty delta.
  TableUpdate nothing = UpdateSince(held);
  ASSERT_TRUE(nothing.delta);
  EXPECT_THAT(nothing.table.slots, IsEmpty());
  EXPECT_THAT(nothing.removed, IsEmpty());
  EXPECT_EQ(nothing.slots_after, 4u);
}

TEST_F(TableDeltaTest, RecordsThatLeaveTheTableAreDropped) {
  police_.Add({Victim("v-4", "Iryna", "Bondar", 5, "+447700900004"),
               Victim("v-5", "Olena", "Shevchenko", 6, "+447700900005")});
  Table held = Full();
  ASSERT_THAT(held.slots, SizeIs(5));
  // Consent cleared by a re-import (no re-key), and a record deleted from
  // the store (the CLI's `records delete` also re-keys).
  record::Person no_consent = Victim("v-3", "Elena", "Popescu", 21, "+447700900003");
  no_consent.consent.clear();
  police_.Add({no_consent});
  police_.Delete("v-4");

  TableUpdate delta = UpdateSince(held);
  ASSERT_TRUE(delta.delta);
  EXPECT_THAT(delta.table.slots, IsEmpty());
  EXPECT_THAT(delta.removed, SizeIs(2));
  EXPECT_EQ(delta.slots_after, 3u);
  ASSERT_TRUE(ApplyUpdate(std::move(delta), &held).ok());
  EXPECT_THAT(held.slots, SizeIs(3));
  EXPECT_THAT(Found(held, Victim("n-3", "Elena", "Popescu", 21, "+447700900003")), IsEmpty());
  EXPECT_THAT(Found(held, Victim("n-4", "Iryna", "Bondar", 5, "+447700900004")), IsEmpty());
  EXPECT_THAT(Found(held, Victim("n-5", "Olena", "Shevchenko", 6, "+447700900005")), SizeIs(1));
}

TEST_F(PrivateMatchTest, AnExpiredConsentReKeysLikeAWithdrawal) {
  record::Person expiring = Victim("v-6", "Daria", "Melnyk", 8, "+447700900006");
  expiring.consent_expires_at = absl::ToUnixSeconds(clock_.Now() + absl::Hours(1));
  police_.Add({expiring});
  LocalTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto cached = ngo.FetchTable("victim-dedup");
  ASSERT_TRUE(cached.ok());
  ASSERT_THAT(cached->slots, SizeIs(4));
  const record::Person query = Victim("n-6", "Daria", "Melnyk", 8, "+447700900006");
  auto before = MatchAgainst(*TableIndex::Build(*cached), ngo, "victim-dedup", {Keys(query)}, {});
  ASSERT_TRUE(before.ok());
  ASSERT_THAT(before->hits, SizeIs(1));
  auto generation = police_.responder().keyring().Generation();
  ASSERT_TRUE(generation.ok());

  clock_.Advance(absl::Hours(2));  // the consent expires; no one touches the records
  // The cached table opens nothing any more: its evaluations are under a
  // new key...
  auto after = MatchAgainst(*TableIndex::Build(*cached), ngo, "victim-dedup", {Keys(query)}, {});
  ASSERT_TRUE(after.ok());
  EXPECT_THAT(after->hits, IsEmpty());
  EXPECT_EQ(after->slots_hit, 0u);
  // ...once: a second check finds nothing new to expire.
  EXPECT_EQ(*police_.responder().keyring().Generation(), *generation + 1);
  auto fresh = ngo.FetchTable("victim-dedup");
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh->table_id, cached->table_id);
  EXPECT_THAT(fresh->slots, SizeIs(3));
  EXPECT_EQ(*police_.responder().keyring().Generation(), *generation + 1);
}

TEST_F(TableDeltaTest, AWholeTableAfterARekeyOrWhenADeltaWouldNotBeSmaller) {
  Table held = Full();
  ASSERT_TRUE(Keyring::Rekey(common::NodePaths(police_.dir())).ok());
  TableUpdate after_rekey = UpdateSince(held);
  EXPECT_FALSE(after_rekey.delta);
  EXPECT_NE(after_rekey.table.table_id, held.table_id);
  EXPECT_THAT(after_rekey.table.slots, SizeIs(3));

  held = after_rekey.table;
  police_.Add({Victim("v-1", "Maria", "Ivanova", 12, "+447700900011"),
               Victim("v-2", "Anna", "Kowalska", 3, "+447700900022")});
  TableUpdate most_changed = UpdateSince(held);  // 2 of 3 changed
  EXPECT_FALSE(most_changed.delta);
  EXPECT_THAT(most_changed.table.slots, SizeIs(3));
}

TEST_F(TableDeltaTest, ADeltaThatDoesNotFitChangesNothing) {
  Table held = Full();
  police_.Add({Victim("v-4", "Iryna", "Bondar", 5, "+447700900004")});
  const TableUpdate delta = UpdateSince(held);
  ASSERT_TRUE(delta.delta);
  const Table before = held;
  const auto unchanged = [&] {
    ASSERT_EQ(held.slots.size(), before.slots.size());
    EXPECT_EQ(held.version, before.version);
    for (size_t i = 0; i < held.slots.size(); ++i) EXPECT_EQ(held.slots[i].id, before.slots[i].id);
  };
  TableUpdate wrong_count = delta;
  wrong_count.slots_after = 3;  // a slot would go missing
  EXPECT_EQ(ApplyUpdate(wrong_count, &held).code(), absl::StatusCode::kDataLoss);
  unchanged();
  TableUpdate other_table = delta;
  other_table.table.table_id += "9";
  EXPECT_EQ(ApplyUpdate(other_table, &held).code(), absl::StatusCode::kDataLoss);
  unchanged();
  TableUpdate older = delta;
  older.table.version = held.version - 1;
  EXPECT_EQ(ApplyUpdate(older, &held).code(), absl::StatusCode::kDataLoss);
  unchanged();
  TableUpdate repeated = delta;
  repeated.table.slots.push_back(repeated.table.slots[0]);
  repeated.slots_after = 5;
  EXPECT_EQ(ApplyUpdate(repeated, &held).code(), absl::StatusCode::kDataLoss);
  unchanged();
  TableUpdate replace_and_drop = delta;
  replace_and_drop.removed.push_back(replace_and_drop.table.slots[0].id);
  EXPECT_EQ(ApplyUpdate(replace_and_drop, &held).code(), absl::StatusCode::kDataLoss);
  unchanged();
  ASSERT_TRUE(ApplyUpdate(delta, &held).ok());
  EXPECT_THAT(held.slots, SizeIs(4));
}

// Bucket lookups (bucket_lookup.h; docs/leakage.md "Bucket lookups"): one
// test per promise.
// kPolicy with bucket lookups on for the ngo-victims rule only.
std::string BucketPolicy(int min_bucket_records = 12) {
  return absl::StrReplaceAll(
      kPolicy,
      {{"daily_evaluate_budget: 1000\n",
        absl::StrCat("daily_evaluate_budget: 1000\n    bucket_lookup { min_bucket_records: ",
                     min_bucket_records, " }\n")}});
}

// The responder in-process with its bucket server, recording each bucket
// request as the responder receives it.
class BucketTransport : public LocalTransport {
 public:
  BucketTransport(Responder* responder, PeerIdentity peer,
                  size_t max_answer_bytes = kMaxBucketAnswerBytes)
      : LocalTransport(responder, peer),
        server_(responder, max_answer_bytes),
        peer_(std::move(peer)) {}
  absl::StatusOr<Buckets> FetchBuckets(absl::string_view purpose, int prefix_bits,
                                       absl::Span<const uint32_t> prefixes) override {
    requests.push_back({prefix_bits, {prefixes.begin(), prefixes.end()}});
    return server_.Serve(peer_, purpose, prefix_bits, prefixes);
  }
  size_t held_tables() { return server_.held_tables(); }
  struct Request {
    int prefix_bits;
    std::vector<uint32_t> prefixes;
  };
  std::vector<Request> requests;

 private:
  BucketServer server_;
  PeerIdentity peer_;
};

class BucketServerTest : public ::testing::Test {
 protected:
  BucketServerTest() : police_("bucket", &clock_) {
    police_.WritePolicy(BucketPolicy());
    const char* given[] = {"Maria", "Anna",  "Elena", "Olga",  "Irina", "Sofia", "Daria",
                           "Lena",  "Nadia", "Vera",  "Zofia", "Ewa",   "Ioana", "Mihaela"};
    const char* stem[] = {"Ivan", "Kowal", "Popes", "Nowak", "Sidor", "Petr", "Horvat", "Dimitr"};
    const char* ending[] = {"ova", "ska", "cu", "ic", "escu", "enko"};
    std::vector<record::Person> victims;
    for (int i = 0; i < kRecords; ++i) {
      victims.push_back(Victim(absl::StrCat("v-", i), given[i % 14],
                               absl::StrCat(stem[(i / 14) % 8], ending[(i / 112) % 6]),
                               1 + (i * 7) % 28, absl::StrCat("+4477009", 10000 + i)));
    }
    police_.Add(victims);
  }
  static constexpr int kRecords = 600;
  std::vector<match::KeySet> Queries() const {
    return {Keys(Victim("n-1", "Mariya", "Ivanova", 1, "07700 910000")),    // v-0, varied
            Keys(Victim("n-2", "Sofia", "Kowalova", 22, "+447700910019")),  // v-19
            Keys(Victim("n-3", "Nobody", "Known", 5, "+447700999999"))};
  }
  common::FakeClock clock_;
  ResponderNode police_;
};

TEST_F(BucketServerTest, FindsWhatTheWholeTableFindsFromAFractionOfIt) {
  BucketTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto probe = ngo.FetchBuckets("victim-dedup", 0, {});
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_THAT(probe->table.slots, IsEmpty());  // the probe carries no entries
  EXPECT_EQ(probe->total_slots, size_t{kRecords});
  EXPECT_GT(probe->prefix_bits, 0);
  Buckets fetched;
  auto by_buckets = MatchByBuckets(*probe, ngo, "victim-dedup", Queries(), {}, &fetched);
  ASSERT_TRUE(by_buckets.ok()) << by_buckets.status();
  EXPECT_LT(fetched.table.slots.size(), size_t{kRecords});
  // One person's keys fetch fewer still.
  Buckets one;
  ASSERT_TRUE(MatchByBuckets(*probe, ngo, "victim-dedup", {Queries()[0]}, {}, &one).ok());
  EXPECT_LT(one.table.slots.size(), fetched.table.slots.size());

  auto table = ngo.FetchTable("victim-dedup");
  ASSERT_TRUE(table.ok());
  auto index = TableIndex::Build(*std::move(table));
  ASSERT_TRUE(index.ok());
  auto whole = MatchAgainst(*index, ngo, "victim-dedup", Queries(), {});
  ASSERT_TRUE(whole.ok()) << whole.status();
  ASSERT_THAT(whole->hits, SizeIs(2));
  ASSERT_EQ(by_buckets->hits.size(), whole->hits.size());
  for (size_t i = 0; i < whole->hits.size(); ++i) {
    EXPECT_EQ(by_buckets->hits[i].query, whole->hits[i].query);
    EXPECT_EQ(by_buckets->hits[i].handle, whole->hits[i].handle);
    EXPECT_DOUBLE_EQ(by_buckets->hits[i].score, whole->hits[i].score);
    EXPECT_EQ(by_buckets->hits[i].pattern, whole->hits[i].pattern);
  }
  EXPECT_EQ(by_buckets->slots_hit, whole->slots_hit);
  EXPECT_EQ(by_buckets->table_slots, whole->table_slots);
  EXPECT_DOUBLE_EQ(by_buckets->threshold, whole->threshold);
  auto resolved = police_.responder().Resolve("ngo", by_buckets->hits[0].handle);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(*resolved, "v-0");
}

TEST_F(BucketServerTest, RequestCarriesOnlyPrefixesOfTheServedLength) {
  BucketTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto probe = ngo.FetchBuckets("victim-dedup", 0, {});
  ASSERT_TRUE(probe.ok()) << probe.status();
  const auto queries = Queries();
  ASSERT_TRUE(MatchByBuckets(*probe, ngo, "victim-dedup", queries, {}).ok());
  ASSERT_THAT(ngo.requests, SizeIs(2));
  EXPECT_EQ(ngo.requests[0].prefix_bits, 0);
  EXPECT_THAT(ngo.requests[0].prefixes, IsEmpty());
  const auto& sent = ngo.requests[1];
  EXPECT_EQ(sent.prefix_bits, probe->prefix_bits);
  size_t keys = 0;
  for (const auto& q : queries) keys += q.size();
  EXPECT_LE(sent.prefixes.size(), keys);  // one per tag at most (repeats merged)
  EXPECT_FALSE(sent.prefixes.empty());
  for (uint32_t p : sent.prefixes) EXPECT_LT(p, uint32_t{1} << sent.prefix_bits);
  // ...and they are the prefixes of the tags of our keys, nothing more.
  std::vector<uint32_t> sorted = sent.prefixes;
  EXPECT_TRUE(std::is_sorted(sorted.begin(), sorted.end()));
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
}

TEST_F(BucketServerTest, RuleWithoutBucketLookupRefusesBucketRequests) {
  BucketTransport agency(&police_.responder(), {"agency", config::NodeRole::kAgency});
  auto probe = agency.FetchBuckets("perpetrator-link", 0, {});
  EXPECT_EQ(probe.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(probe.status().message().find("bucket_lookup"), absl::string_view::npos);
  const uint32_t prefixes[] = {1, 2};
  EXPECT_EQ(agency.FetchBuckets("perpetrator-link", 4, prefixes).status().code(),
            absl::StatusCode::kPermissionDenied);
  // A peer no rule covers at all is refused too.
  BucketTransport shelter(&police_.responder(), {"shelter", config::NodeRole::kNgo});
  EXPECT_EQ(shelter.FetchBuckets("victim-dedup", 0, {}).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(BucketServerTest, BucketSmallerThanTheMinimumIsNeverServed) {
  BucketTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto probe = ngo.FetchBuckets("victim-dedup", 0, {});
  ASSERT_TRUE(probe.ok()) << probe.status();
  // A longer prefix (smaller buckets) than the one served: refused, and
  // nothing charged.
  std::vector<uint32_t> all;
  for (uint32_t p = 0; p < (uint32_t{1} << (probe->prefix_bits + 1)); ++p) all.push_back(p);
  auto longer = ngo.FetchBuckets("victim-dedup", probe->prefix_bits + 1,
                                 absl::MakeConstSpan(all).subspan(0, 8));
  EXPECT_EQ(longer.status().code(), absl::StatusCode::kFailedPrecondition);
  // Every bucket of the served length holds at least the minimum.
  for (uint32_t p = 0; p < (uint32_t{1} << probe->prefix_bits); ++p) {
    const uint32_t one[] = {p};
    auto bucket = ngo.FetchBuckets("victim-dedup", probe->prefix_bits, one);
    ASSERT_TRUE(bucket.ok()) << bucket.status();
    EXPECT_GE(bucket->table.slots.size(), 12u);
  }
  // A table with fewer records than the minimum is not served in buckets.
  police_.WritePolicy(BucketPolicy(601));
  EXPECT_EQ(ngo.FetchBuckets("victim-dedup", 0, {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(BucketServerTest, EachPrefixIsChargedToTheEvaluationBudget) {
  BucketTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto probe = ngo.FetchBuckets("victim-dedup", 0, {});
  ASSERT_TRUE(probe.ok()) << probe.status();
  const uint32_t three[] = {0, 1, 2};
  auto first = ngo.FetchBuckets("victim-dedup", probe->prefix_bits, three);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->budget_remaining, 1000u - 3);
  // The key type budget (a quarter: 250) bounds bucket requests as it
  // bounds one key type's evaluations.
  std::vector<uint32_t> many;
  for (uint32_t p = 0; p < 248 && p < (uint32_t{1} << probe->prefix_bits); ++p) many.push_back(p);
  while (many.size() < 248) many.push_back(many.size() % (uint32_t{1} << probe->prefix_bits));
  auto over = ngo.FetchBuckets("victim-dedup", probe->prefix_bits, many);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
}

// A hostile peer's malformed or excessive bucket requests: each refused
// with its own code, and none of them charged, so the next good request
// finds the budget as it was (docs/leakage.md "Bucket lookups").
TEST_F(BucketServerTest, RefusedBucketRequestsChargeNothing) {
  BucketTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto probe = ngo.FetchBuckets("victim-dedup", 0, {});
  ASSERT_TRUE(probe.ok()) << probe.status();
  const int bits = probe->prefix_bits;
  ASSERT_GT(bits, 0);
  const uint32_t one[] = {0};
  // A longer prefix than served (smaller buckets), and a shorter one.
  EXPECT_EQ(ngo.FetchBuckets("victim-dedup", bits + 1, one).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ngo.FetchBuckets("victim-dedup", bits - 1, one).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ngo.FetchBuckets("victim-dedup", 0, one).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // A prefix that does not fit the served length, after good ones.
  const uint32_t out_of_range[] = {0, 1, uint32_t{1} << bits};
  EXPECT_EQ(ngo.FetchBuckets("victim-dedup", bits, out_of_range).status().code(),
            absl::StatusCode::kInvalidArgument);
  const uint32_t huge[] = {0, UINT32_MAX};
  EXPECT_EQ(ngo.FetchBuckets("victim-dedup", bits, huge).status().code(),
            absl::StatusCode::kInvalidArgument);
  // More prefixes than one request may carry (all of them valid buckets).
  std::vector<uint32_t> many(kMaxBucketPrefixes + 1);
  for (size_t i = 0; i < many.size(); ++i) many[i] = i % (uint32_t{1} << bits);
  EXPECT_EQ(ngo.FetchBuckets("victim-dedup", bits, many).status().code(),
            absl::StatusCode::kResourceExhausted);
  // Over the key type budget (250 a day for "bucket"): refused whole.
  std::vector<uint32_t> over(251);
  for (size_t i = 0; i < over.size(); ++i) over[i] = i % (uint32_t{1} << bits);
  EXPECT_EQ(ngo.FetchBuckets("victim-dedup", bits, over).status().code(),
            absl::StatusCode::kResourceExhausted);
  // Under another purpose the rule does not cover for this peer.
  EXPECT_EQ(ngo.FetchBuckets("perpetrator-link", bits, one).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto good = ngo.FetchBuckets("victim-dedup", bits, one);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->budget_remaining, 1000u - 1);
  EXPECT_FALSE(good->table.slots.empty());
}

// Asking for every bucket is the whole table, charged one evaluation per
// bucket: buckets never give more than the whole-table fetch the same rule
// already allows (free of charge), and repeats are charged, not merged.
TEST_F(BucketServerTest, EveryBucketAtOnceIsTheWholeTableAndRepeatsAreCharged) {
  police_.WritePolicy(BucketPolicy(60));  // few buckets: all fit the key type budget
  BucketTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto probe = ngo.FetchBuckets("victim-dedup", 0, {});
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_EQ(probe->min_records, 60u);
  const uint32_t buckets = uint32_t{1} << probe->prefix_bits;
  ASSERT_LE(buckets, 128u);
  std::vector<uint32_t> all;
  for (uint32_t p = 0; p < buckets; ++p) all.push_back(p);
  auto got = ngo.FetchBuckets("victim-dedup", probe->prefix_bits, all);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->table.slots.size(), size_t{kRecords});
  EXPECT_EQ(got->budget_remaining, 1000u - buckets);
  const uint32_t same[] = {3, 3, 3, 3};
  auto repeated = ngo.FetchBuckets("victim-dedup", probe->prefix_bits, same);
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  EXPECT_EQ(repeated->budget_remaining, 1000u - buckets - 4);
}

// An answer too large for one message (the peer port's answer limit) used
// to be charged and logged as served, then fail to send: it is refused
// before the charge.
TEST_F(BucketServerTest, AnAnswerTooLargeForOneMessageIsRefusedUncharged) {
  BucketTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto probe = ngo.FetchBuckets("victim-dedup", 0, {});
  ASSERT_TRUE(probe.ok()) << probe.status();
  const uint32_t one[] = {0}, two[] = {0, 1};
  auto first = ngo.FetchBuckets("victim-dedup", probe->prefix_bits, one);
  ASSERT_TRUE(first.ok()) << first.status();
  size_t bytes = 0;
  for (const Slot& s : first->table.slots) bytes += 16 + s.entries.size() + s.sealed_payload.size();
  // A server whose answers may carry exactly one such bucket.
  BucketTransport limited(&police_.responder(), {"ngo", config::NodeRole::kNgo}, bytes);
  auto fits = limited.FetchBuckets("victim-dedup", probe->prefix_bits, one);
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->budget_remaining, 1000u - 2);
  auto big = limited.FetchBuckets("victim-dedup", probe->prefix_bits, two);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted) << big.status();
  EXPECT_THAT(std::string(big.status().message()), ::testing::HasSubstr("ask for fewer buckets"));
  auto after = limited.FetchBuckets("victim-dedup", probe->prefix_bits, one);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->budget_remaining, 1000u - 3);
}

// Each peer's table for buckets is a whole table in the responder's
// memory: one no lookup used for kBucketTableIdle is dropped, at the next
// request of anyone (here a refused one), and rebuilt when asked again.
TEST_F(BucketServerTest, ATableNoLookupUsedIsDropped) {
  BucketTransport ngo(&police_.responder(), {"ngo", config::NodeRole::kNgo});
  auto probe = ngo.FetchBuckets("victim-dedup", 0, {});
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_EQ(ngo.held_tables(), 1u);
  clock_.Advance(kBucketTableIdle - absl::Minutes(1));
  EXPECT_FALSE(ngo.FetchBuckets("perpetrator-link", 0, {}).ok());  // no rule for ngo
  EXPECT_EQ(ngo.held_tables(), 1u);
  clock_.Advance(absl::Minutes(2));
  EXPECT_FALSE(ngo.FetchBuckets("perpetrator-link", 0, {}).ok());
  EXPECT_EQ(ngo.held_tables(), 0u);
  auto again = ngo.FetchBuckets("victim-dedup", 0, {});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->prefix_bits, probe->prefix_bits);
  EXPECT_EQ(ngo.held_tables(), 1u);
}

}  // namespace
}  // namespace fedlink::private_match
