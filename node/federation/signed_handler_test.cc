// SignedHandler over real mutual TLS on loopback: node b's peer server runs
// test services written with the handler (a unary and a streaming method),
// node b's real audit log records them, and node a (or a non-member) calls
// them. Each test fails if the handler stops verifying, stops logging, logs
// after answering, acts on what it could not decode, or stops sealing.
#include "node/federation/signed_handler.h"

#include <grpcpp/grpcpp.h>

#include <atomic>

#include "absl/strings/escaping.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/audit.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/common/whole_file.h"
#include "node/federation/peer_client.h"
#include "node/federation/peer_server.h"
#include "node/federation/signed_rpc.h"
#include "node/federation/test_federation.h"

namespace fedlink::federation {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr SignedMethod kTestUnary = {
    .request = "fedlink.v1.CosignRequest",
    .answer = "fedlink.v1.CosignAnswer",
    .answered = "test.answered",
    .refused = "test.refused",
    .note = [](absl::string_view, audit::Event& entry) { entry.detail = "noted by method"; },
};
constexpr SignedMethod kTestStream = {
    .request = "fedlink.v1.ExportRequest",
    .answer = "fedlink.v1.ExportChunk",
    .answered = "test.stream.answered",
    .refused = "test.stream.refused",
};

// What the test services saw.
struct Calls {
  std::atomic<int> decoded{0};
  std::atomic<int> acted{0};
  std::atomic<int> answered{0};
  std::atomic<uint64_t> log_size_when_answered{0};
  std::atomic<uint64_t> logged_index{~uint64_t{0}};
};

// Unary: the request's checkpoint says what to do: "malformed" fails to
// decode, "refuse" is refused by the act step, anything else is answered.
class TestUnaryService final : public fedlink::v1::Witness::Service {
 public:
  TestUnaryService(const PeerAuth& auth, const crypto::SigningKey* identity, audit::AuditLog* log,
                   Calls* calls)
      : handler_(auth, identity, log), log_(log), calls_(calls) {}

  grpc::Status Cosign(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                      fedlink::v1::Signed* response) override {
    auto decode = [this](const VerifiedRequest& v,
                         audit::Event& entry) -> absl::StatusOr<fedlink::v1::CosignRequest> {
      ++calls_->decoded;
      fedlink::v1::CosignRequest body;
      if (!body.ParseFromString(v.body)) return absl::InvalidArgumentError("unparsable");
      entry.peer_signed = body.checkpoint();
      if (body.checkpoint() == "malformed") return absl::InvalidArgumentError("test: malformed");
      return body;
    };
    auto act = [this](const VerifiedRequest& v, fedlink::v1::CosignRequest& body,
                      audit::Event& entry) -> absl::StatusOr<std::string> {
      ++calls_->acted;
      if (body.checkpoint() == "refuse") return absl::PermissionDeniedError("test: refused");
      entry.count = 7;
      return absl::StrCat("cosigned ", body.checkpoint());
    };
    auto answer = [this](const VerifiedRequest& v, std::string& line, const Logged& logged) {
      ++calls_->answered;
      calls_->log_size_when_answered = log_->size();
      calls_->logged_index = logged.index;
      fedlink::v1::CosignAnswer answer;
      answer.set_request_sha256(v.digest);
      answer.set_cosignature(line);
      return answer;
    };
    return Reply(handler_.Unary(*context, request->envelope(), kTestUnary, decode, act, answer),
                 response);
  }

 private:
  SignedHandler handler_;
  audit::AuditLog* log_;
  Calls* calls_;
};

// Streaming: three sealed chunks, each recording the log's size when sent.
class TestStreamService final : public fedlink::v1::Audit::Service {
 public:
  TestStreamService(const PeerAuth& auth, const crypto::SigningKey* identity, audit::AuditLog* log,
                    Calls* calls)
      : handler_(auth, identity, log), log_(log), calls_(calls) {}

  grpc::Status GetExport(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                         grpc::ServerWriter<fedlink::v1::Signed>* writer) override {
    auto decode = [this](const VerifiedRequest&) {
      ++calls_->decoded;
      return Done{};
    };
    auto act = [this](const VerifiedRequest&, Done&) {
      ++calls_->acted;
      return absl::OkStatus();
    };
    auto send = [this](const VerifiedRequest& v, Done&, const Logged& logged,
                       ChunkWriter& out) -> absl::Status {
      ++calls_->answered;
      for (int i = 0; i < 3; ++i) {
        fedlink::v1::ExportChunk chunk;
        chunk.set_request_sha256(v.digest);
        chunk.set_offset(i);
        chunk.set_total(log_->size());
        chunk.set_last(i == 2);
        RETURN_IF_ERROR(out.Write(chunk));
      }
      return absl::OkStatus();
    };
    return ToGrpc(handler_.Stream(*context, request->envelope(), kTestStream,
                                  SinkTo(writer, "requester"), decode, act, send));
  }

 private:
  SignedHandler handler_;
  audit::AuditLog* log_;
  Calls* calls_;
};

class SignedHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fed_ = std::make_unique<testing::TestFederation>(std::vector<std::string>{"a", "b"});
    fed_->AddNode("stranger", /*in_roster=*/false);
    fed_->SignAndInstall();
    config::OpenedNode& b = fed_->node("b");
    auto log = audit::AuditLog::Open(b.paths.dir, b.identity.get());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    PeerServerOptions options;
    const crypto::SigningKey* identity = b.identity.get();
    audit::AuditLog* audit = log_.get();
    Calls* calls = &calls_;
    options.services.push_back(
        [=](const PeerAuth& auth) -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
          return std::make_unique<TestUnaryService>(auth, identity, audit, calls);
        });
    options.services.push_back(
        [=](const PeerAuth& auth) -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
          return std::make_unique<TestStreamService>(auth, identity, audit, calls);
        });
    auto server = PeerServer::Start(b, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // `signer` signs as itself; the TLS connection is always a's (a member).
  Self SelfOf(const std::string& signer) {
    Self s;
    s.node_id = signer;
    s.identity = fed_->node(signer).identity.get();
    s.tls = *tls::Load(fed_->node("a").paths.dir);
    return s;
  }
  Member B() { return *fed_->roster("a")->Find("b"); }

  std::string SignedCosign(const std::string& signer, const std::string& checkpoint) {
    fedlink::v1::CosignRequest body;
    body.set_checkpoint(checkpoint);
    return *SealRequest(SelfOf(signer), "b", "test", "fedlink.v1.CosignRequest", body);
  }

  grpc::Status Call(const std::string& envelope, fedlink::v1::Signed* response) {
    auto stub = fedlink::v1::Witness::NewStub(OpenPeerChannel(SelfOf("a"), B()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    fedlink::v1::Signed request;
    request.set_envelope(envelope);
    return stub->Cosign(&context, request, response);
  }

  std::string SignedExport(const std::string& signer) {
    fedlink::v1::ExportRequest body;
    return *SealRequest(SelfOf(signer), "b", "test", "fedlink.v1.ExportRequest", body);
  }

  // Reads the whole GetExport stream into `chunks`; returns how it ended.
  grpc::Status CallExport(const std::string& envelope, std::vector<fedlink::v1::Signed>* chunks) {
    auto stub = fedlink::v1::Audit::NewStub(OpenPeerChannel(SelfOf("a"), B()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    fedlink::v1::Signed request, signed_chunk;
    request.set_envelope(envelope);
    auto reader = stub->GetExport(&context, request);
    while (reader->Read(&signed_chunk)) chunks->push_back(signed_chunk);
    return reader->Finish();
  }

  std::vector<fedlink::v1::AuditEntry> Entries() {
    fedlink::v1::AuditExport exported;
    EXPECT_TRUE(exported.ParseFromString(*log_->Export()));
    std::vector<fedlink::v1::AuditEntry> out;
    for (const std::string& bytes : exported.entries()) {
      out.emplace_back().ParseFromString(bytes);
    }
    return out;
  }

  std::unique_ptr<testing::TestFederation> fed_;
  std::unique_ptr<audit::AuditLog> log_;
  Calls calls_;
  std::unique_ptr<PeerServer> server_;
};

TEST_F(SignedHandlerTest, AnswerIsSealedAfterItsEntryIsDurableAndVerifies) {
  const std::string envelope = SignedCosign("a", "hello");
  fedlink::v1::Signed response;
  grpc::Status s = Call(envelope, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();

  auto opened = OpenAnswer(response.envelope(), "fedlink.v1.CosignAnswer", B());
  ASSERT_TRUE(opened.ok()) << opened.status();
  fedlink::v1::CosignAnswer answer;
  ASSERT_TRUE(answer.ParseFromString(*opened));
  EXPECT_EQ(answer.request_sha256(), EnvelopeDigest(envelope));
  EXPECT_EQ(answer.cosignature(), "cosigned hello");
  // Signed by b, not by anyone else: a's key does not open it.
  Member not_b = B();
  not_b.identity = fed_->roster("a")->Find("a")->identity;
  EXPECT_FALSE(OpenAnswer(response.envelope(), "fedlink.v1.CosignAnswer", not_b).ok());

  EXPECT_EQ(calls_.answered, 1);
  EXPECT_EQ(calls_.log_size_when_answered, 1u);  // logged before the answer was built
  const auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(calls_.logged_index, 0u);  // the answer names its entry
  const fedlink::v1::AuditEntry& e = entries[0];
  EXPECT_EQ(e.event(), "test.answered");
  EXPECT_EQ(e.outcome(), "ok");
  EXPECT_EQ(e.requester(), "a");
  EXPECT_EQ(e.responder(), "b");
  EXPECT_EQ(e.purpose(), "test");
  EXPECT_EQ(e.request_sha256(), EnvelopeDigest(envelope));
  EXPECT_EQ(e.exchange_id(), absl::BytesToHexString(EnvelopeDigest(envelope)));
  EXPECT_EQ(e.detail(), "noted by method");  // SignedMethod::note
  EXPECT_EQ(e.peer_signed(), "hello");       // noted by decode
  EXPECT_EQ(e.count(), 7u);                  // noted by act
}

TEST_F(SignedHandlerTest, AnEnvelopeOverTheMethodsLimitIsRefusedBeforeItsSignature) {
  // A member's request, properly signed, but larger than the method allows
  // (kTestUnary keeps the default, 64 KiB).
  const std::string envelope = SignedCosign("a", std::string(70 << 10, 'c'));
  fedlink::v1::Signed response;
  grpc::Status s = Call(envelope, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_THAT(s.error_message(),
              HasSubstr("fedlink.v1.CosignRequest of 71"));  // its size, not its contents
  EXPECT_THAT(s.error_message(), HasSubstr("exceeds this method's limit of 65536 bytes"));
  EXPECT_EQ(calls_.decoded, 0);
  EXPECT_EQ(calls_.acted, 0);
  // Logged as a refusal of an unauthenticated request; nothing of it kept.
  const auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].event(), "test.refused");
  EXPECT_THAT(entries[0].outcome(), HasSubstr("RESOURCE_EXHAUSTED"));
  EXPECT_EQ(entries[0].requester(), "");
  EXPECT_EQ(entries[0].outcome(), "RESOURCE_EXHAUSTED: too-large");
  EXPECT_EQ(entries[0].tls_peer(), "a");
  EXPECT_EQ(entries[0].request_sha256(), EnvelopeDigest(envelope));
  // The same request within the limit is answered.
  EXPECT_TRUE(Call(SignedCosign("a", std::string(60 << 10, 'c')), &response).ok());
}

TEST_F(SignedHandlerTest, RequestSignedByANonMemberIsRefusedLoggedAndNotActedOn) {
  const std::string envelope = SignedCosign("stranger", "hello");
  fedlink::v1::Signed response;
  grpc::Status s = Call(envelope, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("not a member"));
  EXPECT_TRUE(response.envelope().empty());
  EXPECT_EQ(calls_.decoded, 0);
  EXPECT_EQ(calls_.acted, 0);
  EXPECT_EQ(calls_.answered, 0);
  const auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].event(), "test.refused");
  // A fixed reason code, not the verifier's text (which quotes the signer's
  // name, of the sender's choosing).
  EXPECT_EQ(entries[0].outcome(), "PERMISSION_DENIED: not-a-member");
  EXPECT_EQ(entries[0].requester(), "");  // not authenticated: not named
  EXPECT_EQ(entries[0].tls_peer(), "a");  // but the TLS client is
  EXPECT_EQ(entries[0].request_sha256(), EnvelopeDigest(envelope));
  // Nothing the method notes for requests that authenticated.
  EXPECT_EQ(entries[0].detail(), "unauthenticated fedlink.v1.CosignRequest from TLS peer a");
  EXPECT_EQ(entries[0].purpose(), "");
  EXPECT_EQ(entries[0].peer_signed(), "");
}

// A refused request leaves a small entry of fixed size whatever it held: a
// megabyte with a bad signature is logged as the same few bytes as a tiny
// one, and none of its bytes reach the log or an export.
TEST_F(SignedHandlerTest, ARequestThatDoesNotAuthenticateLeavesASmallFixedSizeEntry) {
  const std::string pattern = "PATTERN-7d1f3c-";
  std::string big;
  while (big.size() < (48 << 10)) big += pattern;  // within the method's limit
  std::string forged = SignedCosign("a", big);
  forged[forged.size() - 1] ^= 0x01;  // the signature's last byte
  std::string tiny = SignedCosign("a", "x");
  tiny[tiny.size() - 1] ^= 0x01;
  fedlink::v1::Signed response;
  EXPECT_EQ(Call(forged, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Call(tiny, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(calls_.decoded, 0);

  const auto entries = Entries();
  ASSERT_EQ(entries.size(), 2u);
  for (const auto& e : entries) {
    EXPECT_EQ(e.outcome(), "UNAUTHENTICATED: bad-signature");
    EXPECT_EQ(e.tls_peer(), "a");
    EXPECT_EQ(e.requester(), "");
    EXPECT_LT(e.ByteSizeLong(), 300u);
  }
  EXPECT_EQ(entries[0].request_sha256(), EnvelopeDigest(forged));
  // The same size for both, but for the time's varint.
  EXPECT_NEAR(static_cast<double>(entries[0].ByteSizeLong()),
              static_cast<double>(entries[1].ByteSizeLong()), 2);
  const std::string exported = *log_->Export();
  EXPECT_EQ(exported.find(pattern), std::string::npos);
  for (const char* file : {"/audit.db", "/audit.db-wal"}) {
    const std::string bytes = common::ReadWholeFile(fed_->node("b").paths.dir + file).value_or("");
    EXPECT_EQ(bytes.find(pattern), std::string::npos) << file;
  }
}

TEST_F(SignedHandlerTest, AHeaderFieldTooLongForTheLogIsRefusedAndNotLogged) {
  fedlink::v1::CosignRequest body;
  Header h = NewHeader("a", "b", "test", absl::Now());
  h.legal_basis = std::string(kMaxLegalBasisBytes + 1, 'L');
  body.mutable_header()->ParseFromString(SerializeHeader(h));
  body.set_checkpoint("hello");
  const std::string envelope = *crypto::envelope::Seal(
      *fed_->node("a").identity, "fedlink.v1.CosignRequest", body.SerializeAsString());
  fedlink::v1::Signed response;
  EXPECT_EQ(Call(envelope, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(calls_.decoded, 0);
  const auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].outcome(), "INVALID_ARGUMENT: header-field-too-long");
  EXPECT_EQ(entries[0].legal_basis(), "");
}

TEST_F(SignedHandlerTest, UnsignedRequestIsRefusedLoggedAndNotActedOn) {
  fedlink::v1::CosignRequest body;
  body.mutable_header()->ParseFromString(SerializeHeader(NewHeader("a", "b", "test", absl::Now())));
  body.set_checkpoint("hello");
  const std::string unsigned_body = body.SerializeAsString();
  fedlink::v1::Signed response;
  grpc::Status s = Call(unsigned_body, &response);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(response.envelope().empty());
  EXPECT_EQ(calls_.decoded, 0);
  EXPECT_EQ(calls_.acted, 0);
  const auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].event(), "test.refused");
  EXPECT_NE(entries[0].outcome(), "ok");
  EXPECT_EQ(entries[0].request_sha256(), EnvelopeDigest(unsigned_body));
}

TEST_F(SignedHandlerTest, ReplayIsRefusedLoggedAndActedOnOnce) {
  const std::string envelope = SignedCosign("a", "hello");
  fedlink::v1::Signed response;
  ASSERT_TRUE(Call(envelope, &response).ok());
  grpc::Status s = Call(envelope, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(calls_.acted, 1);
  const auto entries = Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].outcome(), "ok");
  EXPECT_EQ(entries[1].event(), "test.refused");
  EXPECT_THAT(entries[1].outcome(), StartsWith("ALREADY_EXISTS: "));
}

TEST_F(SignedHandlerTest, DecodeErrorIsRefusedLoggedAndNothingIsActedOn) {
  fedlink::v1::Signed response;
  grpc::Status s = Call(SignedCosign("a", "malformed"), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "test: malformed");
  EXPECT_TRUE(response.envelope().empty());
  EXPECT_EQ(calls_.decoded, 1);
  EXPECT_EQ(calls_.acted, 0);
  EXPECT_EQ(calls_.answered, 0);
  const auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].event(), "test.refused");
  EXPECT_EQ(entries[0].outcome(), "INVALID_ARGUMENT: test: malformed");
  EXPECT_EQ(entries[0].requester(), "a");            // it did authenticate
  EXPECT_EQ(entries[0].peer_signed(), "malformed");  // what decode noted stays
}

TEST_F(SignedHandlerTest, RefusalByTheActStepIsLoggedAndNotAnswered) {
  fedlink::v1::Signed response;
  grpc::Status s = Call(SignedCosign("a", "refuse"), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "test: refused");
  EXPECT_TRUE(response.envelope().empty());
  EXPECT_EQ(calls_.acted, 1);
  EXPECT_EQ(calls_.answered, 0);
  const auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].event(), "test.refused");
  EXPECT_EQ(entries[0].outcome(), "PERMISSION_DENIED: test: refused");
}

TEST_F(SignedHandlerTest, StreamedChunksAreSealedAfterTheEntryAndNameTheRequest) {
  const std::string envelope = SignedExport("a");
  std::vector<fedlink::v1::Signed> signed_chunks;
  grpc::Status s = CallExport(envelope, &signed_chunks);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(signed_chunks.size(), 3u);
  for (size_t i = 0; i < signed_chunks.size(); ++i) {
    auto opened = OpenAnswer(signed_chunks[i].envelope(), "fedlink.v1.ExportChunk", B());
    ASSERT_TRUE(opened.ok()) << opened.status();
    fedlink::v1::ExportChunk chunk;
    ASSERT_TRUE(chunk.ParseFromString(*opened));
    EXPECT_EQ(chunk.request_sha256(), EnvelopeDigest(envelope));
    EXPECT_EQ(chunk.offset(), i);
    EXPECT_EQ(chunk.total(), 1u);  // the log held the entry before the first chunk
  }
  const auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].event(), "test.stream.answered");
  EXPECT_EQ(entries[0].outcome(), "ok");
}

TEST_F(SignedHandlerTest, StreamRequestSignedByANonMemberGetsNoChunk) {
  std::vector<fedlink::v1::Signed> signed_chunks;
  EXPECT_EQ(CallExport(SignedExport("stranger"), &signed_chunks).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(signed_chunks.empty());
  EXPECT_EQ(calls_.acted, 0);
  EXPECT_EQ(calls_.answered, 0);
  const auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].event(), "test.stream.refused");
  EXPECT_THAT(entries[0].outcome(), StartsWith("PERMISSION_DENIED: "));
}

}  // namespace
}  // namespace fedlink::federation
