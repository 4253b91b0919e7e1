#include "crypto/merkle.h"

#include <sodium.h>

#include <bit>

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"

namespace fedlink::crypto::merkle {
namespace {

std::string Sha256(absl::string_view a, absl::string_view b = {}, absl::string_view c = {}) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(c.data()), c.size());
  std::string out(kHashSize, '\0');
  crypto_hash_sha256_final(&st, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// Largest power of two strictly less than n (n >= 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

void Path(absl::Span<const std::string> d, uint64_t m, std::vector<std::string>* out) {
  const uint64_t n = d.size();
  if (n <= 1) return;
  const uint64_t k = SplitPoint(n);
  if (m < k) {
    Path(d.subspan(0, k), m, out);
    out->push_back(RootHash(d.subspan(k)));
  } else {
    Path(d.subspan(k), m - k, out);
    out->push_back(RootHash(d.subspan(0, k)));
  }
}

void Subproof(absl::Span<const std::string> d, uint64_t m, bool complete,
              std::vector<std::string>* out) {
  const uint64_t n = d.size();
  if (m == n) {
    if (!complete) out->push_back(RootHash(d));
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    Subproof(d.subspan(0, k), m, complete, out);
    out->push_back(RootHash(d.subspan(k)));
  } else {
    Subproof(d.subspan(k), m - k, false, out);
    out->push_back(RootHash(d.subspan(0, k)));
  }
}

int InnerProofSize(uint64_t index, uint64_t size) { return std::bit_width(index ^ (size - 1)); }

// v >> n, 0 when n is 64: a tree of more than 2^63 leaves has 64-hash inner
// proofs, and a shift by the word's width is undefined.
uint64_t ShiftRight(uint64_t v, int n) { return n >= 64 ? 0 : v >> n; }

std::string ChainInner(std::string seed, absl::Span<const std::string> proof, uint64_t index) {
  for (size_t i = 0; i < proof.size(); ++i) {
    seed = ((index >> i) & 1) == 0 ? NodeHash(seed, proof[i]) : NodeHash(proof[i], seed);
  }
  return seed;
}

std::string ChainInnerRight(std::string seed, absl::Span<const std::string> proof, uint64_t index) {
  for (size_t i = 0; i < proof.size(); ++i) {
    if (((index >> i) & 1) == 1) seed = NodeHash(proof[i], seed);
  }
  return seed;
}

std::string ChainBorderRight(std::string seed, absl::Span<const std::string> proof) {
  for (const std::string& h : proof) seed = NodeHash(h, seed);
  return seed;
}

absl::Status CheckProofHashes(absl::Span<const std::string> proof) {
  for (size_t i = 0; i < proof.size(); ++i) {
    if (proof[i].size() != kHashSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("proof element ", i, " is ", proof[i].size(), " bytes, want 32"));
    }
  }
  return absl::OkStatus();
}

absl::Status Match(absl::string_view computed, absl::string_view want, absl::string_view what) {
  if (computed.size() != want.size() ||
      sodium_memcmp(computed.data(), want.data(), computed.size()) != 0) {
    return absl::DataLossError(absl::StrCat(what, " does not match the proof"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string LeafHash(absl::string_view leaf) { return Sha256(absl::string_view("\x00", 1), leaf); }

std::string NodeHash(absl::string_view left, absl::string_view right) {
  return Sha256("\x01", left, right);
}

std::string EmptyRoot() { return Sha256(""); }

std::string RootHash(absl::Span<const std::string> d) {
  if (d.empty()) return EmptyRoot();
  if (d.size() == 1) return d[0];
  const uint64_t k = SplitPoint(d.size());
  return NodeHash(RootHash(d.subspan(0, k)), RootHash(d.subspan(k)));
}

absl::StatusOr<std::vector<std::string>> InclusionProof(absl::Span<const std::string> leaves,
                                                        uint64_t index) {
  if (index >= leaves.size()) {
    return absl::OutOfRangeError(
        absl::StrCat("leaf index ", index, " is beyond the tree size ", leaves.size()));
  }
  std::vector<std::string> out;
  Path(leaves, index, &out);
  return out;
}

absl::StatusOr<std::vector<std::string>> ConsistencyProof(absl::Span<const std::string> leaves,
                                                          uint64_t size1) {
  if (size1 == 0 || size1 > leaves.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("consistency proof needs 0 < size1 <= ", leaves.size()));
  }
  std::vector<std::string> out;
  Subproof(leaves, size1, true, &out);
  return out;
}

absl::Status VerifyInclusion(uint64_t index, uint64_t size, absl::string_view leaf_hash,
                             absl::Span<const std::string> proof, absl::string_view root) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf index ", index, " is beyond the tree size ", size));
  }
  if (leaf_hash.size() != kHashSize) {
    return absl::InvalidArgumentError("leaf hash is not 32 bytes");
  }
  RETURN_IF_ERROR(CheckProofHashes(proof));
  const int inner = InnerProofSize(index, size);
  const int border = std::popcount(ShiftRight(index, inner));
  if (proof.size() != static_cast<size_t>(inner + border)) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion proof has ", proof.size(), " elements, want ", inner + border));
  }
  std::string r = ChainInner(std::string(leaf_hash), proof.subspan(0, inner), index);
  r = ChainBorderRight(std::move(r), proof.subspan(inner));
  return Match(r, root, "root");
}

absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, absl::Span<const std::string> proof,
                               absl::string_view root1, absl::string_view root2) {
  if (size2 < size1) {
    return absl::InvalidArgumentError(
        absl::StrCat("size2 (", size2, ") is smaller than size1 (", size1, ")"));
  }
  if (size1 == 0) {
    return absl::InvalidArgumentError("consistency with an empty tree proves nothing");
  }
  if (size1 == size2) {
    if (!proof.empty()) {
      return absl::InvalidArgumentError("sizes are equal but the proof is not empty");
    }
    return Match(root1, root2, "root1");
  }
  if (proof.empty()) return absl::InvalidArgumentError("consistency proof is empty");
  RETURN_IF_ERROR(CheckProofHashes(proof));
  const int full_inner = InnerProofSize(size1 - 1, size2);
  const int border = std::popcount(ShiftRight(size1 - 1, full_inner));
  const int shift = std::countr_zero(size1);
  const int inner = full_inner - shift;
  // The proof starts with the root of the subtree of size 2^shift, unless
  // size1 is exactly that power of two (then it is root1 itself).
  std::string seed = proof[0];
  size_t start = 1;
  if (size1 == (uint64_t{1} << shift)) {
    seed = std::string(root1);
    start = 0;
  }
  if (proof.size() != start + inner + border) {
    return absl::InvalidArgumentError(absl::StrCat("consistency proof has ", proof.size(),
                                                   " elements, want ", start + inner + border));
  }
  proof = proof.subspan(start);
  const uint64_t mask = (size1 - 1) >> shift;
  std::string hash1 = ChainInnerRight(seed, proof.subspan(0, inner), mask);
  hash1 = ChainBorderRight(std::move(hash1), proof.subspan(inner));
  RETURN_IF_ERROR(Match(hash1, root1, "root1"));
  std::string hash2 = ChainInner(seed, proof.subspan(0, inner), mask);
  hash2 = ChainBorderRight(std::move(hash2), proof.subspan(inner));
  return Match(hash2, root2, "root2");
}

}  // namespace fedlink::crypto::merkle
