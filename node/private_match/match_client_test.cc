// The requester's Match client against a rogue peer: a real mutual-TLS
// server on loopback whose Match service signs with the peer's own key but
// breaks one rule at a time. Every check of MatchClient has a case here that
// fails if the check is removed: the client must give a clear per-peer
// error, never a partial table or a wrong evaluation.
#include "node/private_match/match_client.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/match.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/federation/peer_server.h"
#include "node/federation/test_federation.h"

namespace fedlink::private_match {
namespace {

using ::testing::HasSubstr;

// The key types of the three elements the tests send.
const std::vector<match::keyspec::KeyType> kTypes = {match::keyspec::KeyType::kPhone,
                                                     match::keyspec::KeyType::kNameDob,
                                                     match::keyspec::KeyType::kEmail};

enum class Flaw {
  kNone,
  kSignedByAnotherKey,  // chunks and answers signed by a non-member key
  kOtherRequest,        // names another request's digest
  kOlderEpoch,          // a table id of last epoch
  kGap,                 // second chunk does not follow the first
  kTruncated,           // the stream ends before the last chunk
  kOversized,           // announces more records than the roster allows
  kUnaskedDelta,        // a delta although we hold no such table
  kWrongCount,          // an answer with one evaluation too few
  kInvalidPoint,        // an evaluation that is not a group element
  kSwappedAnswers,      // stream: the second batch answered first
  kEndsEarly,           // stream: ends OK after the first answer
};

constexpr int kSlotsPerTestChunk = 2;

class RogueMatchService final : public fedlink::v1::Match::Service {
 public:
  RogueMatchService(const federation::PeerAuth& auth, const crypto::SigningKey* identity,
                    const crypto::SigningKey* stranger, Flaw flaw)
      : auth_(auth),
        identity_(identity),
        stranger_(stranger),
        flaw_(flaw),
        key_(crypto::oprf::OprfKey::Generate()) {}

  std::string Seal(absl::string_view type, const google::protobuf::Message& m) {
    const crypto::SigningKey& key = flaw_ == Flaw::kSignedByAnotherKey ? *stranger_ : *identity_;
    return *crypto::envelope::Seal(key, type, m.SerializeAsString());
  }

  grpc::Status GetTagTable(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                           grpc::ServerWriter<fedlink::v1::Signed>* writer) override {
    auto verified = auth_.Verify(*context, request->envelope(), "fedlink.v1.TableRequest");
    if (!verified.ok()) return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "");
    const int64_t epoch = EpochAt(absl::Now()) - (flaw_ == Flaw::kOlderEpoch ? 1 : 0);
    const uint64_t total = flaw_ == Flaw::kOversized ? 1'000'000'000 : 4;
    for (int c = 0; c < 2; ++c) {
      fedlink::v1::TableChunk chunk;
      chunk.set_request_sha256(flaw_ == Flaw::kOtherRequest ? std::string(32, 'x')
                                                            : verified->digest);
      chunk.set_table_id(TableId("police", verified->header.purpose, epoch, 0));
      chunk.set_t(2);
      chunk.set_total_slots(total);
      chunk.set_first_slot(c * kSlotsPerTestChunk + (flaw_ == Flaw::kGap && c == 1 ? 1 : 0));
      chunk.set_delta(flaw_ == Flaw::kUnaskedDelta);
      chunk.set_slots_after(4);
      for (int s = 0; s < kSlotsPerTestChunk; ++s) {
        auto* slot = chunk.add_slots();
        slot->set_id(c * kSlotsPerTestChunk + s + 1);
        slot->set_entries(std::string(2 * kEntrySize, 's'));
        slot->set_sealed_payload(std::string(64, 'p'));
      }
      chunk.set_last(c == 1);
      fedlink::v1::Signed out;
      out.set_envelope(Seal("fedlink.v1.TableChunk", chunk));
      writer->Write(out);
      if (flaw_ == Flaw::kTruncated) break;
    }
    return grpc::Status::OK;
  }

  // The signed answer to one signed EvaluateRequest, with the flaw applied.
  absl::StatusOr<fedlink::v1::Signed> Answer(grpc::ServerContext& context,
                                             absl::string_view envelope) {
    auto verified = auth_.Verify(context, envelope, "fedlink.v1.EvaluateRequest");
    if (!verified.ok()) return verified.status();
    fedlink::v1::EvaluateRequest body;
    body.ParseFromString(verified->body);
    if (body.key_types().size() != static_cast<size_t>(body.blinded_size())) {
      return absl::InvalidArgumentError("every element needs its key type");
    }
    std::vector<crypto::oprf::Element> blinded(body.blinded_size()), out(body.blinded_size());
    for (int i = 0; i < body.blinded_size(); ++i) {
      std::memcpy(blinded[i].data(), body.blinded(i).data(), crypto::oprf::kElementSize);
    }
    if (auto s = key_->BlindEvaluateBatch(blinded, absl::MakeSpan(out)); !s.ok()) return s;
    fedlink::v1::EvaluateAnswer answer;
    answer.set_request_sha256(flaw_ == Flaw::kOtherRequest ? std::string(32, 'x')
                                                           : verified->digest);
    answer.set_table_id(TableId("police", verified->header.purpose, EpochAt(absl::Now()), 0));
    for (size_t i = 0; i < out.size(); ++i) {
      if (flaw_ == Flaw::kWrongCount && i == 0) continue;
      std::string e(reinterpret_cast<const char*>(out[i].data()), out[i].size());
      if (flaw_ == Flaw::kInvalidPoint && i == 0) e.assign(32, '\xff');
      answer.add_evaluated(e);
    }
    fedlink::v1::Signed signed_answer;
    signed_answer.set_envelope(Seal("fedlink.v1.EvaluateAnswer", answer));
    return signed_answer;
  }

  grpc::Status Evaluate(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                        fedlink::v1::Signed* response) override {
    auto answer = Answer(*context, request->envelope());
    if (!answer.ok()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "");
    *response = *std::move(answer);
    return grpc::Status::OK;
  }

  grpc::Status EvaluateStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<fedlink::v1::Signed, fedlink::v1::Signed>* stream) override {
    std::vector<fedlink::v1::Signed> held;  // kSwappedAnswers: the first answer, delayed
    fedlink::v1::Signed request;
    int answered = 0;
    while (stream->Read(&request)) {
      auto answer = Answer(*context, request.envelope());
      if (!answer.ok()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "");
      if (flaw_ == Flaw::kSwappedAnswers && answered == 0 && held.empty()) {
        held.push_back(*std::move(answer));
        continue;
      }
      stream->Write(*answer);
      for (auto& h : held) stream->Write(h);
      held.clear();
      if (++answered == 1 && flaw_ == Flaw::kEndsEarly) return grpc::Status::OK;
    }
    return grpc::Status::OK;
  }

 private:
  const federation::PeerAuth& auth_;
  const crypto::SigningKey* identity_;
  const crypto::SigningKey* stranger_;
  Flaw flaw_;
  std::unique_ptr<crypto::oprf::OprfKey> key_;
};

class MatchClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fed_ = std::make_unique<federation::testing::TestFederation>(
        std::vector<std::string>{"police", "ngo"});
    fed_->AddNode("stranger", /*in_roster=*/false);
    fed_->SignAndInstall();
  }

  void StartRogue(Flaw flaw) {
    const crypto::SigningKey* identity = fed_->node("police").identity.get();
    const crypto::SigningKey* stranger = fed_->node("stranger").identity.get();
    federation::PeerServerOptions options;
    options.services.push_back(
        [=](const federation::PeerAuth& auth) -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
          return std::make_unique<RogueMatchService>(auth, identity, stranger, flaw);
        });
    auto server = federation::PeerServer::Start(fed_->node("police"), options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::unique_ptr<MatchClient> Client() {
    federation::Self self;
    self.node_id = "ngo";
    self.identity = fed_->node("ngo").identity.get();
    self.tls = *tls::Load(fed_->node("ngo").paths.dir);
    federation::Member police = *fed_->roster("ngo")->Find("police");
    police.max_table_records = 1000;
    return std::make_unique<MatchClient>(self, police);
  }

  static std::vector<crypto::oprf::Element> Blinded(int n) {
    std::vector<crypto::oprf::Element> out(n);
    for (int i = 0; i < n; ++i) out[i] = crypto::oprf::Blind(absl::StrCat("key-", i))->element;
    return out;
  }

  std::unique_ptr<federation::testing::TestFederation> fed_;
  std::unique_ptr<federation::PeerServer> server_;
};

TEST_F(MatchClientTest, AnHonestlyShapedTableAndEvaluationsAreAccepted) {
  StartRogue(Flaw::kNone);
  auto client = Client();
  auto table = client->FetchTable("victim-dedup");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->slots.size(), 4u);
  const auto blinded = Blinded(3);
  std::vector<crypto::oprf::Element> out(3);
  EXPECT_TRUE(client->Evaluate("victim-dedup", blinded, kTypes, absl::MakeSpan(out)).ok());
  auto stream = client->OpenEvaluation("victim-dedup");
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE((*stream)->Send(blinded, kTypes).ok());
  ASSERT_TRUE((*stream)->Send(blinded, kTypes).ok());
  EXPECT_TRUE((*stream)->Receive(absl::MakeSpan(out)).ok());
  EXPECT_TRUE((*stream)->Receive(absl::MakeSpan(out)).ok());
}

struct TableCase {
  Flaw flaw;
  const char* error;
};
// Stable test names (gtest would print the struct's bytes, padding and
// pointer included, so each build would name the tests differently).
void PrintTo(const TableCase& c, std::ostream* os) { *os << "flaw" << static_cast<int>(c.flaw); }

class RogueTableTest : public MatchClientTest, public ::testing::WithParamInterface<TableCase> {};

TEST_P(RogueTableTest, IsRefusedWithAClearPerPeerError) {
  StartRogue(GetParam().flaw);
  auto table = Client()->FetchTable("victim-dedup");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kDataLoss) << table.status();
  EXPECT_THAT(table.status().message(), HasSubstr("police: "));
  EXPECT_THAT(table.status().message(), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Flaws, RogueTableTest,
    ::testing::Values(TableCase{Flaw::kSignedByAnotherKey, "tag table refused"},
                      TableCase{Flaw::kOtherRequest, "does not answer our request"},
                      TableCase{Flaw::kOlderEpoch, "is not of the current epoch"},
                      TableCase{Flaw::kGap, "not contiguous"},
                      TableCase{Flaw::kTruncated, "incomplete"},
                      TableCase{Flaw::kOversized, "exceeds the limit of 1000"},
                      TableCase{Flaw::kUnaskedDelta, "a delta for a table we do not hold"}));

struct EvaluateCase {
  Flaw flaw;
  bool stream;
  const char* error;
};
void PrintTo(const EvaluateCase& c, std::ostream* os) {
  *os << "flaw" << static_cast<int>(c.flaw) << (c.stream ? "_stream" : "_unary");
}

class RogueEvaluateTest : public MatchClientTest,
                          public ::testing::WithParamInterface<EvaluateCase> {};

TEST_P(RogueEvaluateTest, IsRefusedWithAClearPerPeerError) {
  StartRogue(GetParam().flaw);
  auto client = Client();
  const auto blinded = Blinded(3);
  std::vector<crypto::oprf::Element> out(3);
  absl::Status s;
  if (GetParam().stream) {
    auto stream = client->OpenEvaluation("victim-dedup");
    ASSERT_TRUE(stream.ok());
    const auto second = Blinded(3);
    ASSERT_TRUE((*stream)->Send(blinded, kTypes).ok());
    ASSERT_TRUE((*stream)->Send(second, kTypes).ok());
    s = (*stream)->Receive(absl::MakeSpan(out));
    if (s.ok()) s = (*stream)->Receive(absl::MakeSpan(out));
  } else {
    s = client->Evaluate("victim-dedup", blinded, kTypes, absl::MakeSpan(out));
  }
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("police: evaluate"));
  EXPECT_THAT(s.message(), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Flaws, RogueEvaluateTest,
    ::testing::Values(
        EvaluateCase{Flaw::kSignedByAnotherKey, false, ""},
        EvaluateCase{Flaw::kOtherRequest, false, "answer does not match our request"},
        EvaluateCase{Flaw::kWrongCount, false, "answer does not match our request"},
        EvaluateCase{Flaw::kSignedByAnotherKey, true, ""},
        EvaluateCase{Flaw::kOtherRequest, true, "answer does not match our request"},
        EvaluateCase{Flaw::kWrongCount, true, "answer does not match our request"},
        EvaluateCase{Flaw::kSwappedAnswers, true, "answer does not match our request"},
        EvaluateCase{Flaw::kEndsEarly, true, "ended before every batch was answered"}));

// An evaluation that is not a valid point is caught when the requester
// finalises: the match fails as a whole, with no partial result.
TEST_F(MatchClientTest, AnInvalidPointFailsTheMatch) {
  StartRogue(Flaw::kInvalidPoint);
  auto client = Client();
  Table table;
  table.table_id = "police|victim-dedup|1|0";
  table.t = 2;
  table.slots.push_back({1, std::string(kEntrySize, 's'), std::string(64, 'p')});
  auto index = TableIndex::Build(table);
  ASSERT_TRUE(index.ok());
  record::Person p;
  p.given_name = "Maria";
  p.family_name = "Ivanova";
  p.dob = {1990, 4, 12};
  p.phones = {"+447700900001"};
  std::vector<match::KeySet> queries = {match::keyspec::DeriveKeys(p, {})};
  auto match = MatchAgainst(*index, *client, "victim-dedup", queries, {});
  ASSERT_FALSE(match.ok());
  EXPECT_EQ(match.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(match.status().message(), HasSubstr("peer's evaluation is invalid"));
}

}  // namespace
}  // namespace fedlink::private_match
