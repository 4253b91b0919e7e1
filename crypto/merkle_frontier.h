// The right edge of an RFC 9162 Merkle tree (a "compact range"): the roots
// of its perfect subtrees, largest first. Appending a leaf costs O(1)
// amortised hashes and the root O(log n), so a log can issue a checkpoint
// every second without rehashing all its leaves. Composes merkle::NodeHash
// only; differential tests check it against merkle::RootHash.
#ifndef FEDLINK_CRYPTO_MERKLE_FRONTIER_H_
#define FEDLINK_CRYPTO_MERKLE_FRONTIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace fedlink::crypto::merkle {

class Frontier {
 public:
  void Append(absl::string_view leaf_hash);
  uint64_t size() const { return size_; }
  // MTH of the leaves appended so far (EmptyRoot() for none).
  std::string Root() const;

 private:
  struct Subtree {
    int height;
    std::string hash;
  };
  std::vector<Subtree> subtrees_;
  uint64_t size_ = 0;
};

}  // namespace fedlink::crypto::merkle

#endif  // FEDLINK_CRYPTO_MERKLE_FRONTIER_H_
