// RFC 9162 (RFC 6962) Merkle tree hashing, proofs and their verification,
// for the audit log. Hashes are 32-byte SHA-256 strings:
//   leaf hash = SHA-256(0x00 || leaf)
//   node hash = SHA-256(0x01 || left || right)
//   MTH({})   = SHA-256("")
//
// Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 (as
// implemented by transparency-dev/merkle) and is checked against its test
// vectors; every failure is a specific status naming what is wrong.
//
// Thread-safe: free functions over immutable inputs.
//
//   std::vector<std::string> leaves = {LeafHash("a"), LeafHash("b")};
//   std::string root = RootHash(leaves);
//   ASSIGN_OR_RETURN(auto proof, InclusionProof(leaves, 1));
//   RETURN_IF_ERROR(VerifyInclusion(1, 2, leaves[1], proof, root));
#ifndef FEDLINK_CRYPTO_MERKLE_H_
#define FEDLINK_CRYPTO_MERKLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace fedlink::crypto::merkle {

inline constexpr size_t kHashSize = 32;

std::string LeafHash(absl::string_view leaf);
std::string NodeHash(absl::string_view left, absl::string_view right);
std::string EmptyRoot();

// MTH over leaf hashes (RFC 9162 2.1.1).
std::string RootHash(absl::Span<const std::string> leaf_hashes);

// PATH(index, D[n]) (RFC 9162 2.1.3.1). OutOfRange if index >= n.
absl::StatusOr<std::vector<std::string>> InclusionProof(absl::Span<const std::string> leaf_hashes,
                                                        uint64_t index);

// PROOF(size1, D[n]) (RFC 9162 2.1.4.1). InvalidArgument unless
// 0 < size1 <= n.
absl::StatusOr<std::vector<std::string>> ConsistencyProof(absl::Span<const std::string> leaf_hashes,
                                                          uint64_t size1);

// Checks that `leaf_hash` is entry `index` of the tree of `size` with `root`.
absl::Status VerifyInclusion(uint64_t index, uint64_t size, absl::string_view leaf_hash,
                             absl::Span<const std::string> proof, absl::string_view root);

// Checks that the tree of size1 with root1 is a prefix of the tree of
// size2 with root2. A size1 of zero is refused: it proves nothing.
absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, absl::Span<const std::string> proof,
                               absl::string_view root1, absl::string_view root2);

}  // namespace fedlink::crypto::merkle

#endif  // FEDLINK_CRYPTO_MERKLE_H_
