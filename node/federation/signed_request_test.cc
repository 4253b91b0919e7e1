#include "node/federation/signed_request.h"

#include "crypto/signed_envelope.h"
#include "fedlink/v1/federation.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/federation/test_federation.h"
#include "node/tls/tls_identity.h"

namespace fedlink::federation {
namespace {

using ::testing::HasSubstr;

class SignedRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fed_ = std::make_unique<testing::TestFederation>(std::vector<std::string>{"a", "b"});
    fed_->SignAndInstall();
    roster_ = fed_->roster("b");
    nonces_path_ = fed_->node("b").paths.dir + "/federation.db";
    nonces_ = *NonceStore::Open(nonces_path_);
    verifier_ = MakeVerifier(nonces_.get());
    a_tls_ = roster_->Find("a")->tls_cert_sha256;
  }

  std::unique_ptr<RequestVerifier> MakeVerifier(NonceStore* nonces) {
    auto roster = roster_;
    return std::make_unique<RequestVerifier>(
        "b", [roster]() -> absl::StatusOr<std::shared_ptr<const Roster>> { return roster; }, nonces,
        &clock_);
  }

  std::string Request(const Header& h, const crypto::SigningKey& key) {
    fedlink::v1::PingRequest r;
    r.mutable_header()->ParseFromString(SerializeHeader(h));
    return *crypto::envelope::Seal(key, "fedlink.v1.PingRequest", r.SerializeAsString());
  }
  std::string Good() {
    return Request(NewHeader("a", "b", "ping", clock_.Now()), *fed_->node("a").identity);
  }

  common::FakeClock clock_{absl::Now()};
  std::unique_ptr<testing::TestFederation> fed_;
  std::shared_ptr<const Roster> roster_;
  std::string nonces_path_;
  std::unique_ptr<NonceStore> nonces_;
  std::unique_ptr<RequestVerifier> verifier_;
  std::string a_tls_;
};

TEST_F(SignedRequestTest, AcceptsAGoodRequest) {
  const std::string env = Good();
  auto v = verifier_->Verify(env, "fedlink.v1.PingRequest", a_tls_);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->header.from, "a");
  EXPECT_EQ(v->sender.node_id, "a");
  EXPECT_EQ(v->digest, EnvelopeDigest(env));
}

TEST_F(SignedRequestTest, RefusesABadSignature) {
  std::string env = Good();
  env[env.size() - 5] ^= 1;
  EXPECT_TRUE(
      absl::IsUnauthenticated(verifier_->Verify(env, "fedlink.v1.PingRequest", a_tls_).status()));
}

TEST_F(SignedRequestTest, RefusesARequestAddressedToAnotherNode) {
  auto s =
      verifier_
          ->Verify(Request(NewHeader("a", "c", "ping", clock_.Now()), *fed_->node("a").identity),
                   "fedlink.v1.PingRequest", a_tls_)
          .status();
  EXPECT_TRUE(absl::IsPermissionDenied(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("addressed to 'c'"));
}

TEST_F(SignedRequestTest, RefusesStaleAndFutureRequests) {
  const std::string old = Request(NewHeader("a", "b", "ping", clock_.Now() - absl::Minutes(6)),
                                  *fed_->node("a").identity);
  EXPECT_TRUE(
      absl::IsDeadlineExceeded(verifier_->Verify(old, "fedlink.v1.PingRequest", a_tls_).status()));
  const std::string future = Request(NewHeader("a", "b", "ping", clock_.Now() + absl::Minutes(6)),
                                     *fed_->node("a").identity);
  EXPECT_TRUE(absl::IsDeadlineExceeded(
      verifier_->Verify(future, "fedlink.v1.PingRequest", a_tls_).status()));
  const std::string edge = Request(NewHeader("a", "b", "ping", clock_.Now() - absl::Minutes(4)),
                                   *fed_->node("a").identity);
  EXPECT_TRUE(verifier_->Verify(edge, "fedlink.v1.PingRequest", a_tls_).ok());
}

TEST_F(SignedRequestTest, RefusesReplayEvenAfterARestart) {
  const std::string env = Good();
  ASSERT_TRUE(verifier_->Verify(env, "fedlink.v1.PingRequest", a_tls_).ok());
  EXPECT_TRUE(
      absl::IsAlreadyExists(verifier_->Verify(env, "fedlink.v1.PingRequest", a_tls_).status()));
  // "Restart": drop the store and open it again from disk.
  verifier_.reset();
  nonces_.reset();
  nonces_ = *NonceStore::Open(nonces_path_);
  verifier_ = MakeVerifier(nonces_.get());
  EXPECT_TRUE(
      absl::IsAlreadyExists(verifier_->Verify(env, "fedlink.v1.PingRequest", a_tls_).status()));
  // Once the window has passed the nonce is forgotten, but the request is
  // then stale anyway.
  clock_.Advance(absl::Minutes(11));
  EXPECT_TRUE(
      absl::IsDeadlineExceeded(verifier_->Verify(env, "fedlink.v1.PingRequest", a_tls_).status()));
}

TEST_F(SignedRequestTest, RefusesAnUnknownSigner) {
  auto stranger = crypto::SigningKey::Generate("z");
  auto s = verifier_
               ->Verify(Request(NewHeader("z", "b", "ping", clock_.Now()), **stranger),
                        "fedlink.v1.PingRequest", a_tls_)
               .status();
  EXPECT_TRUE(absl::IsPermissionDenied(s));
  EXPECT_THAT(std::string(s.message()), HasSubstr("not a member"));
}

TEST_F(SignedRequestTest, RefusesAHeaderThatIsNotItsSigner) {
  // a signs a request claiming to come from b.
  auto s =
      verifier_
          ->Verify(Request(NewHeader("b", "b", "ping", clock_.Now()), *fed_->node("a").identity),
                   "fedlink.v1.PingRequest", a_tls_)
          .status();
  EXPECT_TRUE(absl::IsPermissionDenied(s));
}

TEST_F(SignedRequestTest, RefusesATlsCertificateOfAnotherMember) {
  const std::string b_tls = roster_->Find("b")->tls_cert_sha256;
  auto s = verifier_->Verify(Good(), "fedlink.v1.PingRequest", b_tls).status();
  EXPECT_TRUE(absl::IsPermissionDenied(s));
  EXPECT_THAT(std::string(s.message()), HasSubstr("TLS client certificate"));
}

// What a peer chose is checked at the boundary: a purpose, signer or
// recipient outside the identifiers' charsets is refused, and the refusal
// does not echo it (it ends up in logs and on the peer's terminal).
TEST_F(SignedRequestTest, RefusesAPurposeOutsideItsCharset) {
  for (const char* purpose : {"victim-dedup\x1b[2J", "dedup\nforged: line", "Dedup", ""}) {
    auto s =
        verifier_
            ->Verify(Request(NewHeader("a", "b", purpose, clock_.Now()), *fed_->node("a").identity),
                     "fedlink.v1.PingRequest", a_tls_)
            .status();
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_EQ(s.message(), "purpose must be 1-64 of [a-z0-9._-]");
  }
}

TEST_F(SignedRequestTest, RefusesASignerOrRecipientThatIsNoNodeId) {
  auto odd = crypto::SigningKey::Generate("EVIL;[2J");
  ASSERT_TRUE(odd.ok());
  auto s = verifier_
               ->Verify(Request(NewHeader("EVIL;[2J", "b", "ping", clock_.Now()), **odd),
                        "fedlink.v1.PingRequest", a_tls_)
               .status();
  EXPECT_TRUE(absl::IsPermissionDenied(s)) << s;
  EXPECT_EQ(s.message(), "the request's signer is not a valid node id");
  s = verifier_
          ->Verify(Request(NewHeader("a", "b\x1b[2J\nforged", "ping", clock_.Now()),
                           *fed_->node("a").identity),
                   "fedlink.v1.PingRequest", a_tls_)
          .status();
  EXPECT_TRUE(absl::IsPermissionDenied(s)) << s;
  EXPECT_EQ(s.message(), "request is addressed to an invalid node id");
}

// A node whose roster cannot be used refuses every request and tells the
// peer which problem, without its own paths.
TEST_F(SignedRequestTest, WithoutAUsableRosterEveryRequestIsRefusedSayingWhy) {
  RequestVerifier verifier(
      "b",
      []() -> absl::StatusOr<std::shared_ptr<const Roster>> {
        return WithRosterProblem(
            absl::FailedPreconditionError("/srv/b/roster.bin: roster version 3 expired at ..."),
            RosterProblem::kExpired);
      },
      nonces_.get(), &clock_);
  auto s = verifier.Verify(Good(), "fedlink.v1.PingRequest", a_tls_).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_EQ(s.message(),
            "b refuses every request until it has a valid roster installed (roster expired)");
}

TEST_F(SignedRequestTest, RefusesTheWrongMessageType) {
  EXPECT_FALSE(verifier_->Verify(Good(), "fedlink.v1.EvaluateRequest", a_tls_).ok());
}

}  // namespace
}  // namespace fedlink::federation
