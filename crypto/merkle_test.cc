#include "crypto/merkle.h"

#include <filesystem>
#include <functional>
#include <random>

#include "absl/strings/escaping.h"
#include "crypto/merkle_frontier.h"
#include "crypto/testing/json_vectors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::crypto::merkle {
namespace {

using ::fedlink::testing::ReadJsonFile;
using ::fedlink::testing::Unbase64;
using ::fedlink::testing::Unhex;

const std::string kVectors = std::string(FEDLINK_SOURCE_DIR) + "/tests/data/vectors/merkle";

// transparency-dev/merkle testonly/constants.go: leaf inputs and roots.
std::vector<std::string> ReferenceLeaves() {
  return {Unhex(""),
          Unhex("00"),
          Unhex("10"),
          Unhex("2021"),
          Unhex("3031"),
          Unhex("40414243"),
          Unhex("5051525354555657"),
          Unhex("606162636465666768696a6b6c6d6e6f")};
}
const char* kReferenceRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

std::vector<std::string> HashAll(const std::vector<std::string>& leaves) {
  std::vector<std::string> out;
  for (const auto& l : leaves) out.push_back(LeafHash(l));
  return out;
}

TEST(MerkleTest, ReferenceTreeRoots) {
  std::vector<std::string> hashes = HashAll(ReferenceLeaves());
  for (size_t n = 0; n <= hashes.size(); ++n) {
    EXPECT_EQ(absl::BytesToHexString(RootHash(absl::MakeConstSpan(hashes).subspan(0, n))),
              kReferenceRoots[n])
        << "size " << n;
  }
}

std::vector<std::string> Proof(const google::protobuf::Value& v) {
  std::vector<std::string> out;
  const auto& fields = v.struct_value().fields();
  auto it = fields.find("proof");
  if (it == fields.end()) return out;
  for (const auto& p : it->second.list_value().values()) out.push_back(Unbase64(p.string_value()));
  return out;
}

bool WantErr(const google::protobuf::Value& v) {
  return v.struct_value().fields().at("wantErr").bool_value();
}

std::vector<std::filesystem::path> VectorFiles(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::exists(dir)) return files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Runs `verify` on every vector file of `kind` (the C2SP Merkle vectors):
// the valid ones must pass, every one that wants an error must be refused.
void CheckEveryVector(
    const std::string& kind,
    const std::function<absl::Status(const google::protobuf::Value&, const std::string&)>& verify) {
  auto files = VectorFiles(kVectors + "/" + kind);
  ASSERT_FALSE(files.empty()) << kVectors << "/" << kind << ": no vector files";
  int happy = 0, rejected = 0;
  for (const auto& file : files) {
    google::protobuf::Value v;
    ASSERT_TRUE(ReadJsonFile(file, &v)) << file;
    const absl::Status s = verify(v, fedlink::testing::ReadText(file));
    if (WantErr(v)) {
      EXPECT_FALSE(s.ok()) << file << " was accepted";
      ++rejected;
    } else {
      EXPECT_TRUE(s.ok()) << file << ": " << s;
      ++happy;
    }
  }
  EXPECT_GT(happy, 4);
  EXPECT_GT(rejected, 40);
}

TEST(MerkleVectorsTest, EveryInclusionCase) {
  CheckEveryVector("inclusion", [](const google::protobuf::Value& v, const std::string& text) {
    return VerifyInclusion(fedlink::testing::ExactUint(text, "leafIdx"),
                           fedlink::testing::ExactUint(text, "treeSize"),
                           Unbase64(fedlink::testing::Field(v, "leafHash")), Proof(v),
                           Unbase64(fedlink::testing::Field(v, "root")));
  });
}

TEST(MerkleVectorsTest, EveryConsistencyCase) {
  CheckEveryVector("consistency", [](const google::protobuf::Value& v, const std::string& text) {
    return VerifyConsistency(fedlink::testing::ExactUint(text, "size1"),
                             fedlink::testing::ExactUint(text, "size2"), Proof(v),
                             Unbase64(fedlink::testing::Field(v, "root1")),
                             Unbase64(fedlink::testing::Field(v, "root2")));
  });
}

// A naive reference straight from the RFC's recursive definitions, written
// independently of merkle.cc (no shared helpers), for differential tests.
std::string RefRoot(const std::vector<std::string>& d, size_t lo, size_t hi) {
  const size_t n = hi - lo;
  if (n == 0) return EmptyRoot();
  if (n == 1) return d[lo];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return NodeHash(RefRoot(d, lo, lo + k), RefRoot(d, lo + k, hi));
}

TEST(MerkleTest, DifferentialAgainstNaiveReferenceOverRandomSizes) {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 60; ++trial) {
    const size_t n = 1 + rng() % 300;
    std::vector<std::string> leaves(n);
    for (size_t i = 0; i < n; ++i) leaves[i] = LeafHash(std::to_string(rng()));
    const std::string root = RootHash(leaves);
    ASSERT_EQ(root, RefRoot(leaves, 0, n)) << n;
    for (int probe = 0; probe < 5; ++probe) {
      const uint64_t index = rng() % n;
      auto proof = InclusionProof(leaves, index);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(VerifyInclusion(index, n, leaves[index], *proof, root).ok()) << n << " " << index;
      const uint64_t size1 = 1 + rng() % n;
      auto cproof = ConsistencyProof(leaves, size1);
      ASSERT_TRUE(cproof.ok());
      EXPECT_TRUE(VerifyConsistency(size1, n, *cproof, RefRoot(leaves, 0, size1), root).ok())
          << size1 << " -> " << n;
    }
  }
}

class MerkleNegativeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 13; ++i) leaves_.push_back(LeafHash(std::to_string(i)));
    root_ = RootHash(leaves_);
    proof_ = *InclusionProof(leaves_, 5);
    cproof_ = *ConsistencyProof(leaves_, 6);
    root6_ = RootHash(absl::MakeConstSpan(leaves_).subspan(0, 6));
  }
  std::vector<std::string> leaves_;
  std::string root_, root6_;
  std::vector<std::string> proof_, cproof_;
};

TEST_F(MerkleNegativeTest, RejectsTruncatedInclusionProof) {
  auto p = proof_;
  p.pop_back();
  EXPECT_TRUE(absl::IsInvalidArgument(VerifyInclusion(5, 13, leaves_[5], p, root_)));
}

TEST_F(MerkleNegativeTest, RejectsInclusionProofForWrongSize) {
  // The last leaf's proof has a shape that depends on the tree size.
  auto last = *InclusionProof(leaves_, 12);
  ASSERT_TRUE(VerifyInclusion(12, 13, leaves_[12], last, root_).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(VerifyInclusion(12, 14, leaves_[12], last, root_)));
  EXPECT_TRUE(absl::IsInvalidArgument(VerifyInclusion(12, 12, leaves_[12], last, root_)));
  EXPECT_TRUE(absl::IsInvalidArgument(VerifyInclusion(12, 16, leaves_[12], last, root_)));
  EXPECT_FALSE(VerifyInclusion(13, 13, leaves_[5], proof_, root_).ok());
}

TEST_F(MerkleNegativeTest, RejectsTamperedInclusionProofAtEveryByte) {
  for (size_t e = 0; e < proof_.size(); ++e) {
    for (size_t byte = 0; byte < kHashSize; byte += 7) {
      auto p = proof_;
      p[e][byte] ^= 0x01;
      EXPECT_TRUE(absl::IsDataLoss(VerifyInclusion(5, 13, leaves_[5], p, root_)));
    }
  }
  EXPECT_TRUE(absl::IsDataLoss(VerifyInclusion(5, 13, leaves_[6], proof_, root_)));
}

TEST_F(MerkleNegativeTest, RejectsShortProofElements) {
  auto p = proof_;
  p[0].resize(31);
  EXPECT_TRUE(absl::IsInvalidArgument(VerifyInclusion(5, 13, leaves_[5], p, root_)));
}

TEST_F(MerkleNegativeTest, RejectsBadConsistencyProofs) {
  ASSERT_TRUE(VerifyConsistency(6, 13, cproof_, root6_, root_).ok());
  auto truncated = cproof_;
  truncated.pop_back();
  EXPECT_FALSE(VerifyConsistency(6, 13, truncated, root6_, root_).ok());
  EXPECT_FALSE(VerifyConsistency(6, 32, cproof_, root6_, root_).ok());  // other shape
  EXPECT_FALSE(VerifyConsistency(7, 13, cproof_, root6_, root_).ok());
  EXPECT_FALSE(VerifyConsistency(5, 13, cproof_, root6_, root_).ok());
  EXPECT_FALSE(VerifyConsistency(6, 13, cproof_, root_, root6_).ok());  // swapped roots
  for (size_t e = 0; e < cproof_.size(); ++e) {
    auto p = cproof_;
    p[e][3] ^= 0x80;
    EXPECT_FALSE(VerifyConsistency(6, 13, p, root6_, root_).ok()) << e;
  }
  EXPECT_FALSE(VerifyConsistency(0, 13, {}, EmptyRoot(), root_).ok());
  EXPECT_FALSE(VerifyConsistency(13, 6, cproof_, root_, root6_).ok());
}

// Found by fuzz_checkpoint: a tree of more than 2^63 leaves (a size a peer
// may claim in a checkpoint) makes the inner proof 64 hashes long, and
// shifting a 64-bit index by 64 is undefined (x86 shifts by 0 instead, so
// the proof's shape came out wrong). Such proofs have their RFC 9162 shape
// and are checked against the root.
TEST(MerkleTest, TreeSizesAbove2To63GiveProofsOfTheRightShape) {
  const uint64_t huge = (uint64_t{1} << 63) + 1;
  const std::vector<std::string> hashes(64, std::string(kHashSize, 'h'));
  // Leaf 1 of 2^63+1: 64 inner hashes (index ^ (size-1) has bit 63 set), no border.
  EXPECT_TRUE(absl::IsDataLoss(VerifyInclusion(1, huge, hashes[0], hashes, hashes[0])));
  // From size 2 to 2^63+1: 63 inner hashes above the first subtree, no border.
  const std::vector<std::string> consistency(63, std::string(kHashSize, 'h'));
  EXPECT_TRUE(absl::IsDataLoss(VerifyConsistency(2, huge, consistency, hashes[0], hashes[0])));
}

TEST(MerkleTest, ProofGenerationRejectsBadArguments) {
  std::vector<std::string> leaves = {LeafHash("a"), LeafHash("b")};
  EXPECT_TRUE(absl::IsOutOfRange(InclusionProof(leaves, 2).status()));
  EXPECT_FALSE(ConsistencyProof(leaves, 0).ok());
  EXPECT_FALSE(ConsistencyProof(leaves, 3).ok());
}

}  // namespace
}  // namespace fedlink::crypto::merkle

namespace fedlink::crypto::merkle {
namespace {

TEST(MerkleFrontierTest, RootEqualsTheFullTreeRootAtEverySize) {
  Frontier frontier;
  std::vector<std::string> leaves;
  EXPECT_EQ(frontier.Root(), EmptyRoot());
  for (int i = 0; i < 300; ++i) {
    leaves.push_back(LeafHash("leaf " + std::to_string(i)));
    frontier.Append(leaves.back());
    ASSERT_EQ(frontier.Root(), RootHash(leaves)) << "size " << leaves.size();
  }
  EXPECT_EQ(frontier.size(), 300u);
}

}  // namespace
}  // namespace fedlink::crypto::merkle
